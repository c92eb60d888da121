//! The AWS SDK configuration, loaded once at cold start.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// Loads the SDK configuration from the environment: region, credentials, and `AWS_ENDPOINT_URL` (moto server,
/// durable-local) when it is set.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The configuration of a client of one explicit endpoint (moto server, durable-local over HTTP, `loyalty-local`
/// against an emulator), with static credentials (emulators accept any) and region `us-east-1`.
pub async fn sdk_config_for_endpoint(endpoint_url: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint_url)
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "static credentials for an emulator",
        ))
        .load()
        .await
}
