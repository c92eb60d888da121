//! `notification-acknowledger`: `loyalty.tierUpgraded.v1` from the NotificationAcknowledger queue ->
//! `SendDurableExecutionCallbackSuccess` with `{"acknowledgedAt": ISO}`; a settled callback is done (F12).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use lambdas::adapters::aws::load_sdk_config;
use lambdas::functions::init_tracing;
use lambdas::functions::tier_queues::AcknowledgerFunction;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function = AcknowledgerFunction::new(&config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let function = function.clone();
        let flusher = flusher.clone();
        async move {
            let response = function.handle(&event.payload).await;
            flusher.flush().await;
            Ok::<_, lambda_runtime::Error>(response)
        }
    }))
    .await
}
