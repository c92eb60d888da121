//! The AWS SDK configuration, loaded once at cold start.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// Loads the SDK configuration from the environment: region, credentials, and `AWS_ENDPOINT_URL` (moto server,
/// durable-local) when it is set. Its HTTP client trusts the process's system roots, read once for every client
/// (`loyalty_service::tls`), and starts without any (a plain `http` endpoint still works).
pub async fn load_sdk_config() -> SdkConfig {
    let defaults = aws_config::defaults(BehaviorVersion::latest());
    match https_client() {
        Ok(client) => defaults.http_client(client).load().await,
        Err(error) => {
            tracing::warn!(%error, "the SDK loads its own root certificates");
            defaults.load().await
        }
    }
}

/// The SDK's HTTPS client (rustls over aws-lc-rs) on the system roots of `loyalty_service::tls`, without a load of
/// its own.
fn https_client() -> Result<SharedHttpClient, String> {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(loyalty_service::tls::system_roots_pem());
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https())
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
