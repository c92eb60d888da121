//! `notification-acknowledger`: `loyalty.tierUpgraded.v1` from the NotificationAcknowledger queue ->
//! `SendDurableExecutionCallbackSuccess` with `{"acknowledgedAt": ISO}`; a settled callback is done (behaviour F12).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::SqsEvent;
use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::tier_queues::AcknowledgerFunction;
use loyalty_lambdas::functions::{init_tracing, run_events};

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function = AcknowledgerFunction::new(&config);
    run_events(flusher, move |event: SqsEvent| {
        let function = function.clone();
        async move { function.handle(&event).await }
    })
    .await
}
