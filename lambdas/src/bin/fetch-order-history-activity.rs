//! `fetch-order-history-activity`: `{"userId"}` -> every page of the user's orders from the Order Service
//! (endpoint and JWT secret read from SSM: `ORDER_SERVICE_ENDPOINT_PARAM`, `JWT_SECRET_PARAM_NAME`).
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::order_history::{OrderHistoryFunction, OrderHistorySettings};
use loyalty_lambdas::functions::{cold_start, init_tracing, run_events};
use loyalty_service::tier_workflow::orders::HistoryRequest;

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let function = OrderHistoryFunction::new(
        &config,
        &OrderHistorySettings::from_env().map_err(cold_start)?,
    )
    .await
    .map_err(cold_start)?;
    run_events(flusher, move |event: HistoryRequest| {
        let function = function.clone();
        async move { function.handle(event).await }
    })
    .await
}
