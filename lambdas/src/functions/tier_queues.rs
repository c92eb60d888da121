//! `tier-upgrade-trigger` (behaviour F10: an async start of the orchestrator under its durable execution name) and
//! `notification-acknowledger` (behaviour F12: callback success, settled callbacks are done), on the Lambda API.

use aws_config::SdkConfig;
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

use crate::aws::sqs_messages::messages_of;
use crate::aws::{AwsError, LambdaWorkflows};
use crate::functions::required_env;
use loyalty_service::handlers::batch::SqsBatchHandler;
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::queue_handlers::{NotificationAcknowledger, TierTrigger};

/// The trigger, built once per container.
#[derive(Debug, Clone)]
pub struct TriggerFunction {
    trigger: TierTrigger<LambdaWorkflows>,
}

impl TriggerFunction {
    /// Starts executions of `orchestrator` (a qualified function name or ARN).
    pub fn new(config: &SdkConfig, orchestrator: &str) -> Self {
        let workflows = LambdaWorkflows::new(aws_sdk_lambda::Client::new(config));
        Self {
            trigger: TierTrigger::new(workflows, orchestrator),
        }
    }

    /// Reads `ORCHESTRATOR_FUNCTION_NAME`.
    pub fn from_env(config: &SdkConfig) -> Result<Self, AwsError> {
        Ok(Self::new(
            config,
            &required_env("ORCHESTRATOR_FUNCTION_NAME")?,
        ))
    }

    /// Handles one batch of `loyalty.pointsAdded.v2`; the partial batch response.
    pub async fn handle(&self, event: &SqsEvent) -> Value {
        self.trigger
            .handle_batch(&messages_of(event))
            .await
            .lambda_response()
    }
}

/// The acknowledger, built once per container.
#[derive(Debug, Clone)]
pub struct AcknowledgerFunction {
    acknowledger: NotificationAcknowledger<LambdaWorkflows, SystemClock>,
}

impl AcknowledgerFunction {
    /// Completes callbacks through the Lambda API of `config`.
    pub fn new(config: &SdkConfig) -> Self {
        let workflows = LambdaWorkflows::new(aws_sdk_lambda::Client::new(config));
        Self {
            acknowledger: NotificationAcknowledger::new(workflows, SystemClock),
        }
    }

    /// Handles one batch of `loyalty.tierUpgraded.v1`; the partial batch response.
    pub async fn handle(&self, event: &SqsEvent) -> Value {
        self.acknowledger
            .handle_batch(&messages_of(event))
            .await
            .lambda_response()
    }
}
