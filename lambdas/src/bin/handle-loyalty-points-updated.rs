//! `handle-loyalty-points-updated`: the table's DynamoDB stream -> `loyalty.pointsAdded.v1`/`.v2` or
//! `loyalty.pointsSpent.v1` on `EVENT_BUS_NAME` (source `<ENV>.loyalty`, behaviour F8); failed records are reported as
//! batch item failures (behaviour F9).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use aws_lambda_events::event::dynamodb::Event;
use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::points_updated::PointsUpdatedFunction;
use loyalty_lambdas::functions::{cold_start, init_tracing, run_events};

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function = PointsUpdatedFunction::from_env(&config).map_err(cold_start)?;
    run_events(flusher, move |event: Event| {
        let function = function.clone();
        async move { function.handle(&event).await }
    })
    .await
}
