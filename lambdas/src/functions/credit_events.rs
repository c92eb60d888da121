//! `handle-user-created` and `handle-order-completed`: the SQS queues of the two ACL rules, credited on DynamoDB,
//! answered with a partial batch response.

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

use crate::aws::sqs_messages::messages_of;
use crate::aws::{AwsError, DynamoAccountStore};
use crate::functions::required_env;
use loyalty_service::handlers::batch::SqsBatchHandler;
use loyalty_service::handlers::credit_events::{CreditEventHandler, CreditEventKind};
use loyalty_service::ports::SystemClock;

/// One of the two credit functions, built once per container.
#[derive(Debug, Clone)]
pub struct CreditFunction {
    handler: CreditEventHandler<DynamoAccountStore, SystemClock>,
}

impl CreditFunction {
    /// The function of `kind` on the table `table_name`.
    pub fn new(config: &SdkConfig, table_name: &str, kind: CreditEventKind) -> Self {
        let store = DynamoAccountStore::new(aws_sdk_dynamodb::Client::new(config), table_name);
        Self {
            handler: CreditEventHandler::new(store, SystemClock, kind),
        }
    }

    /// The function of `kind` on `TABLE_NAME`.
    pub fn from_env(config: &SdkConfig, kind: CreditEventKind) -> Result<Self, AwsError> {
        Ok(Self::new(config, &required_env("TABLE_NAME")?, kind))
    }

    /// Handles one SQS batch: `{"batchItemFailures":[{"itemIdentifier": <messageId>}, ...]}`. A message that can
    /// never succeed is reported too: SQS retries it up to `maxReceiveCount`, then moves it to the DLQ.
    pub async fn handle(&self, event: &SqsEvent) -> Value {
        let outcome = self.handler.handle_batch(&messages_of(event)).await;
        outcome.lambda_response()
    }
}
