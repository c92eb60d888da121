//! A local stand-in for the Lambda service's Invoke API, for durable handlers that talk to an
//! *external* durable-execution service (e.g. the official `dex-local-runner`, which invokes
//! functions over `--lambda-endpoint`). Each handler runs through
//! `aws_durable_execution_sdk::wrap` with an `aws_sdk_lambda` client pointed at that service.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use aws_durable_execution_sdk::{BoxError, DurableContext};
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::{ApiError, Params, function_error};
use crate::error::Error;
use crate::error::ServiceError;
use crate::handler::wrap_durable;
use crate::http_server::HttpServer;
use crate::runner::DurableFn;

/// The registered handlers by function name.
type Functions = Arc<RwLock<HashMap<String, DurableFn>>>;

/// Serves durable handlers over the Lambda Invoke API for an external service.
#[derive(Clone)]
pub struct LambdaHost {
    functions: Functions,
    client: aws_sdk_lambda::Client,
}

impl std::fmt::Debug for LambdaHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaHost").finish_non_exhaustive()
    }
}

impl LambdaHost {
    /// Handlers will checkpoint to the durable-execution service at `service_endpoint`.
    pub fn new(service_endpoint: &str) -> Self {
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(crate::service::REGION))
            .credentials_provider(Credentials::new(
                "local",
                "local",
                None,
                None,
                "lambda-host",
            ))
            .endpoint_url(service_endpoint)
            .build();
        Self {
            functions: Arc::new(RwLock::new(HashMap::new())),
            client: aws_sdk_lambda::Client::from_conf(config),
        }
    }

    /// Registers a durable handler under `name`.
    pub fn register_durable<F, E, Fut, O>(&self, name: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(E, DurableContext) -> Fut + Send + Sync + 'static,
        E: DeserializeOwned + Send + 'static,
        Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
        O: Serialize + Send + 'static,
    {
        let wrapped = wrap_durable(name, self.client.clone(), false, handler)?;
        self.functions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned(), Arc::new(wrapped));
        Ok(())
    }

    /// Serves `POST /2015-03-31/functions/{name}/invocations` on `addr` (a loopback address).
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<HttpServer> {
        let router = Router::new()
            .route("/2015-03-31/functions/{function}/invocations", post(invoke))
            .method_not_allowed_fallback(no_route)
            .fallback(no_route)
            .layer(DefaultBodyLimit::max(crate::api::MAX_REQUEST_BYTES))
            .with_state(Arc::clone(&self.functions));
        crate::http_server::serve(router, addr, local_guard::http::Limits::default()).await
    }
}

async fn no_route(uri: Uri) -> ApiError {
    ApiError(ServiceError::ResourceNotFound(format!(
        "No route for {}",
        uri.path()
    )))
}

async fn invoke(
    State(functions): State<Functions>,
    Params(function): Params<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = crate::service::bare_function_name(&function);
    let handler = functions
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
        .cloned();
    let Some(handler) = handler else {
        return Err(ApiError(ServiceError::ResourceNotFound(format!(
            "Function not found: {name}"
        ))));
    };
    let envelope: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError(ServiceError::InvalidParameterValue(format!(
            "Could not parse request body into json: {e}"
        )))
    })?;
    Ok(match handler(envelope).await {
        Ok(response) => Json(response).into_response(),
        Err(message) => function_error("Runtime.Error", &message),
    })
}
