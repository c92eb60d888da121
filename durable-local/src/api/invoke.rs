//! The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for registered
//! functions: durable ones start an execution (named by `X-Amz-Durable-Execution-Name`), plain
//! ones run directly.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Extension;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, function_error};
use super::extract::Params;
use crate::error::ServiceError;
use crate::runner::{Core, Registered};
use crate::service::{Outcome, bare_function_name};

const EXECUTED_VERSION: (&str, &str) = ("x-amz-executed-version", "$LATEST");
const EXECUTION_ARN: &str = "x-amz-durable-execution-arn";

fn json_text(body: impl Into<axum::body::Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}

/// Handles one Invoke request.
pub(crate) async fn invoke(
    Extension(core): Extension<Arc<Core>>,
    Params(function): Params<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = bare_function_name(&function).to_owned();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let invocation_type = header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
        .to_owned();
    if !matches!(
        invocation_type.as_str(),
        "RequestResponse" | "Event" | "DryRun"
    ) {
        return Err(ServiceError::InvalidParameterValue(format!(
            "Invalid InvocationType '{invocation_type}'"
        ))
        .into());
    }
    let payload = if body.is_empty() {
        "{}".to_owned()
    } else {
        let text = String::from_utf8(body.to_vec()).map_err(|_| {
            ServiceError::InvalidParameterValue("Could not parse request body into json".into())
        })?;
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| {
            ServiceError::InvalidParameterValue(format!(
                "Could not parse request body into json: {e}"
            ))
        })?;
        text
    };
    let Some(registered) = core.registered(&name) else {
        return Err(ServiceError::ResourceNotFound(format!(
            "Function not found: {}",
            crate::service::function_arn(&name)
        ))
        .into());
    };
    if invocation_type == "DryRun" {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    match registered {
        Registered::Durable { timeout_s, .. } => {
            let execution_name = header("x-amz-durable-execution-name");
            let arn = core.start(&name, execution_name, &payload, timeout_s)?;
            if invocation_type == "Event" {
                return Ok((StatusCode::ACCEPTED, [(EXECUTION_ARN, arn)]).into_response());
            }
            let answer = match core.wait_outcome(&arn).await? {
                Outcome::Succeeded(result) => json_text(result.unwrap_or_else(|| "null".into())),
                Outcome::Failed(e) | Outcome::TimedOut(e) | Outcome::Stopped(e) => function_error(
                    e.error_type.as_deref().unwrap_or("Error"),
                    e.error_message.as_deref().unwrap_or(""),
                ),
            };
            Ok(([EXECUTED_VERSION], [(EXECUTION_ARN, arn)], answer).into_response())
        }
        Registered::Plain(f) => {
            if invocation_type == "Event" {
                tokio::spawn(async move {
                    if let Err(e) = f(payload).await {
                        tracing::warn!(function = name, "asynchronous invocation failed: {e:?}");
                    }
                });
                return Ok(StatusCode::ACCEPTED.into_response());
            }
            let answer = match f(payload).await {
                Ok(result) => json_text(result),
                Err(e) => function_error(
                    e.error_type.as_deref().unwrap_or("Error"),
                    e.error_message.as_deref().unwrap_or(""),
                ),
            };
            Ok(([EXECUTED_VERSION], answer).into_response())
        }
    }
}
