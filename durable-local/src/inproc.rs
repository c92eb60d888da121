//! The zero-socket transport: an `HttpClient` for `aws_sdk_lambda` that hands each restJson1
//! request to [`crate::api::handle`] in-process.

use std::sync::{Arc, Weak};

use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Region, StalledStreamProtectionConfig};
use aws_smithy_runtime_api::client::auth::AuthSchemeId;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

use crate::api::{self, ApiRequest};
use crate::runner::Core;
use crate::service::REGION;

#[derive(Debug, Clone)]
struct InProcessConnector {
    core: Weak<Core>,
}

fn to_api_request(request: &HttpRequest) -> ApiRequest {
    let uri: http::Uri = request.uri().parse().unwrap_or_default();
    ApiRequest {
        method: request.method().to_owned(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect(),
        body: request
            .body()
            .bytes()
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    }
}

impl HttpConnector for InProcessConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let core = self.core.upgrade();
        let api_request = to_api_request(&request);
        HttpConnectorFuture::new(async move {
            let Some(core) = core else {
                return Err(ConnectorError::other(
                    "durable-local was shut down".into(),
                    None,
                ));
            };
            let response = api::handle(&core, api_request).await;
            let status = StatusCode::try_from(response.status)
                .map_err(|e| ConnectorError::other(Box::new(e), None))?;
            let mut http_response = HttpResponse::new(status, SdkBody::from(response.body));
            for (k, v) in response.headers {
                http_response.headers_mut().insert(k, v);
            }
            Ok(http_response)
        })
    }
}

/// An `aws_sdk_lambda::Client` whose every call is served in-process by `core`.
pub fn client(core: Weak<Core>) -> aws_sdk_lambda::Client {
    let http_client = http_client_fn(move |_, _| {
        SharedHttpConnector::new(InProcessConnector { core: core.clone() })
    });
    // Nothing crosses a trust boundary in-process: no signing, no stalled-stream or timeout
    // machinery (each costs per-call work on the hot checkpoint path).
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .allow_no_auth()
        .auth_scheme_preference([AuthSchemeId::from("no_auth")])
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .timeout_config(TimeoutConfig::disabled())
        .endpoint_url("http://durable-local.in-process")
        .http_client(http_client)
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Upgrades for callers that hold an `Arc` already.
pub fn client_for(core: &Arc<Core>) -> aws_sdk_lambda::Client {
    client(Arc::downgrade(core))
}
