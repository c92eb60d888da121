//! `spend-loyalty-points`: `POST /loyalty` (a spend, optionally with `Idempotency-Key`, behaviour F4) on the DynamoDB
//! table (`TABLE_NAME`), the JWT secret read from SSM (`JWT_SECRET_PARAM_NAME`, decrypted). Served by `lambda_http`
//! with the same axum Router as `loyalty-local`.
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::api::{ApiFunction, ApiSettings};
use loyalty_lambdas::functions::{cold_start, init_tracing};

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let telemetry = init_tracing();
    let flusher = telemetry.flusher();
    let config = load_sdk_config().await;
    let api = ApiFunction::new(&config, &ApiSettings::from_env().map_err(cold_start)?)
        .await
        .map_err(cold_start)?;
    api.run(flusher).await
}
