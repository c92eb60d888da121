//! The zero-socket transport: an `HttpClient` for `aws_sdk_lambda` that hands each restJson1
//! request to the API's [`Router`] in-process with `oneshot`.

use std::sync::Weak;

use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Region, StalledStreamProtectionConfig};
use aws_smithy_runtime_api::client::auth::AuthSchemeId;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use axum::body::Body;
use tower::ServiceExt;

use crate::runner::Core;
use crate::service::REGION;

/// Calls the router with the service attached to each request. The service is held weakly:
/// it holds the handlers, whose SDK clients hold this connector.
#[derive(Debug, Clone)]
struct InProcessConnector {
    core: Weak<Core>,
    router: Router,
}

fn connector_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ConnectorError {
    ConnectorError::other(e.into(), None)
}

impl HttpConnector for InProcessConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let core = self.core.upgrade();
        let router = self.router.clone();
        HttpConnectorFuture::new(async move {
            let Some(core) = core else {
                return Err(connector_error("durable-local was shut down"));
            };
            let mut request = request
                .try_into_http1x()
                .map_err(connector_error)?
                .map(Body::new);
            request.extensions_mut().insert(core);
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(infallible) => match infallible {},
            };
            let (parts, body) = response.into_parts();
            // The API's bodies are in memory: collecting them moves the bytes, it copies nothing.
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(connector_error)?;
            HttpResponse::try_from(axum::http::Response::from_parts(parts, SdkBody::from(body)))
                .map_err(connector_error)
        })
    }
}

/// An `aws_sdk_lambda::Client` whose every call is answered by `router` in-process, with the
/// service `core` attached (see [`crate::api`]).
pub(crate) fn client(core: Weak<Core>, router: Router) -> aws_sdk_lambda::Client {
    let http_client = http_client_fn(move |_, _| {
        SharedHttpConnector::new(InProcessConnector {
            core: core.clone(),
            router: router.clone(),
        })
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
