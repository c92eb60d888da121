//! `handle-user-created`: `users.userCreated.v1` from the UserCreated queue, +100 once per user on the DynamoDB
//! table (`TABLE_NAME`); answers each SQS batch with its partial batch response (`ReportBatchItemFailures`).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::SqsEvent;
use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::credit_events::CreditFunction;
use loyalty_lambdas::functions::{cold_start, init_tracing, run_events};
use loyalty_service::handlers::credit_events::CreditEventKind;

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function =
        CreditFunction::from_env(&config, CreditEventKind::UserCreated).map_err(cold_start)?;
    run_events(flusher, move |event: SqsEvent| {
        let function = function.clone();
        async move { function.handle(&event).await }
    })
    .await
}
