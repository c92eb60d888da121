//! `tier-upgrade-orchestrator`: the durable function generated from `tier-upgrade.workflow.yaml`, run through the
//! durable SDK's Lambda entry point, its activities on DynamoDB, EventBridge and the product services.
// The handlers' futures (SDK calls inside the use-cases) nest deeper than the default limit of 128.
#![recursion_limit = "256"]

use loyalty_lambdas::aws::load_sdk_config;
use loyalty_lambdas::functions::orchestrator::{OrchestratorSettings, build};
use loyalty_lambdas::functions::{cold_start, init_tracing};
use loyalty_service::tier_workflow::orchestrator::tier_upgrade;

// Lambda hands a sandbox one invocation at a time: one thread serves it, and no worker pool is started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let _telemetry = init_tracing();
    let config = load_sdk_config().await;
    let (activities, functions) = build(
        &config,
        &OrchestratorSettings::from_env().map_err(cold_start)?,
    )
    .await
    .map_err(cold_start)?;
    // The durable runtime's Lambda client (checkpoints) is built from the same configuration, and so shares its HTTP
    // client, instead of loading a second configuration and certificate store on the first invocation.
    let options = aws_durable_execution_sdk::Options::builder()
        .sdk_config(config)
        .build()
        .map_err(cold_start)?;
    aws_durable_execution_sdk::run_with_options(
        tier_upgrade::handler(activities, functions),
        options,
    )
    .await
}
