//! `tier-upgrade-trigger`: `loyalty.pointsAdded.v2` from the TierUpgradeTrigger queue -> an asynchronous start
//! of `ORCHESTRATOR_FUNCTION_NAME` under the durable execution name of the user and target tier (behaviour F10).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::SqsEvent;
use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::tier_queues::TriggerFunction;
use loyalty_lambdas::functions::{cold_start, init_tracing, run_events};

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function = TriggerFunction::from_env(&config).map_err(cold_start)?;
    run_events(flusher, move |event: SqsEvent| {
        let function = function.clone();
        async move { function.handle(&event).await }
    })
    .await
}
