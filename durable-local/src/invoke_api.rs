//! The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for registered
//! functions: durable ones start an execution (named by `X-Amz-Durable-Execution-Name`), plain
//! ones run directly.

use std::sync::Arc;

use serde_json::json;

use crate::api::{ApiRequest, ApiResponse, json_response};
use crate::error::ServiceError;
use crate::runner::{Core, Registered};
use crate::service::{Outcome, bare_function_name};

fn with_header(mut r: ApiResponse, name: &str, value: &str) -> ApiResponse {
    r.headers.push((name.to_owned(), value.to_owned()));
    r
}

fn function_error(error_type: &str, message: &str) -> ApiResponse {
    let r = json_response(
        200,
        &json!({"errorType": error_type, "errorMessage": message}),
    );
    with_header(r, "x-amz-function-error", "Unhandled")
}

/// Handles one Invoke request.
pub async fn invoke(
    core: &Arc<Core>,
    function: &str,
    req: &ApiRequest,
) -> Result<ApiResponse, ServiceError> {
    let name = bare_function_name(function).to_owned();
    let invocation_type = req
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
        .to_owned();
    if !matches!(
        invocation_type.as_str(),
        "RequestResponse" | "Event" | "DryRun"
    ) {
        return Err(ServiceError::InvalidParameterValue(format!(
            "Invalid InvocationType '{invocation_type}'"
        )));
    }
    let payload = if req.body.is_empty() {
        "{}".to_owned()
    } else {
        let text = String::from_utf8(req.body.clone()).map_err(|_| {
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
        )));
    };
    if invocation_type == "DryRun" {
        return Ok(ApiResponse {
            status: 204,
            headers: vec![],
            body: vec![],
        });
    }
    match registered {
        Registered::Durable { timeout_s, .. } => {
            let execution_name = req.header("x-amz-durable-execution-name");
            let arn = core.start(&name, execution_name, &payload, timeout_s)?;
            if invocation_type == "Event" {
                let r = ApiResponse {
                    status: 202,
                    headers: vec![],
                    body: vec![],
                };
                return Ok(with_header(r, "x-amz-durable-execution-arn", &arn));
            }
            let outcome = core.wait_outcome(&arn).await?;
            let r = match outcome {
                Outcome::Succeeded(result) => ApiResponse {
                    status: 200,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: result.unwrap_or_else(|| "null".into()).into_bytes(),
                },
                Outcome::Failed(e) | Outcome::TimedOut(e) | Outcome::Stopped(e) => function_error(
                    e.error_type.as_deref().unwrap_or("Error"),
                    e.error_message.as_deref().unwrap_or(""),
                ),
            };
            let r = with_header(r, "x-amz-executed-version", "$LATEST");
            Ok(with_header(r, "x-amz-durable-execution-arn", &arn))
        }
        Registered::Plain(f) => {
            if invocation_type == "Event" {
                tokio::spawn(async move {
                    if let Err(e) = f(payload).await {
                        tracing::warn!(function = name, "asynchronous invocation failed: {e:?}");
                    }
                });
                return Ok(ApiResponse {
                    status: 202,
                    headers: vec![],
                    body: vec![],
                });
            }
            let r = match f(payload).await {
                Ok(result) => ApiResponse {
                    status: 200,
                    headers: vec![("content-type".into(), "application/json".into())],
                    body: result.into_bytes(),
                },
                Err(e) => function_error(
                    e.error_type.as_deref().unwrap_or("Error"),
                    e.error_message.as_deref().unwrap_or(""),
                ),
            };
            Ok(with_header(r, "x-amz-executed-version", "$LATEST"))
        }
    }
}
