//! The restJson1 API at the real AWS paths, as one function from request to response. Both
//! the in-process `HttpClient` and the HTTP server call it, so they cannot drift apart.

use std::sync::Arc;

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::error::ServiceError;
use crate::runner::Core;
use crate::service::ListFilter;
use crate::wire::{CheckpointRequest, ErrorObject, ExecutionStatus, to_wire_seconds};

/// A request, transport-neutral.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: String,
    /// Raw (percent-encoded) path.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// A response, transport-neutral.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl ApiRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn query_params(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    fn param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// A JSON response.
pub fn json_response(status: u16, body: &Value) -> ApiResponse {
    ApiResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// The modeled error response of `err`.
pub fn error_response(err: &ServiceError) -> ApiResponse {
    let kind = err.error_type();
    let mut r = json_response(
        err.http_status(),
        &json!({"Type": "User", "message": err.to_string(), "__type": kind}),
    );
    r.headers.push(("x-amzn-errortype".into(), kind.into()));
    r
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ServiceError::InvalidParameterValue(format!("Malformed request body: {e}")))
}

fn parse_error_body(body: &[u8]) -> Result<Option<ErrorObject>, ServiceError> {
    if body.is_empty() {
        return Ok(None);
    }
    parse_body(body).map(Some)
}

fn max_items(req: &ApiRequest) -> Result<Option<usize>, ServiceError> {
    req.param("MaxItems")
        .map(|m| {
            m.parse::<usize>()
                .map_err(|_| ServiceError::InvalidParameterValue(format!("Invalid MaxItems '{m}'")))
        })
        .transpose()
}

fn timestamp_param(req: &ApiRequest, name: &str) -> Result<Option<i64>, ServiceError> {
    req.param(name)
        .map(|t| {
            t.parse::<f64>()
                .map(|s| (s * 1000.0) as i64)
                .map_err(|_| ServiceError::InvalidParameterValue(format!("Invalid {name} '{t}'")))
        })
        .transpose()
}

/// Routes one request.
pub async fn handle(core: &Arc<Core>, req: ApiRequest) -> ApiResponse {
    match route(core, &req).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(method = req.method, path = req.path, "request failed: {e}");
            error_response(&e)
        }
    }
}

async fn route(core: &Arc<Core>, req: &ApiRequest) -> Result<ApiResponse, ServiceError> {
    let segments: Vec<String> = req
        .path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let service = &core.service;
    let method = req.method.as_str();
    match (method, segs.as_slice()) {
        ("POST", ["2015-03-31", "functions", function, "invocations"]) => {
            crate::invoke_api::invoke(core, function, req).await
        }
        ("GET", ["2025-12-01", "functions", function, "durable-executions"]) => {
            let statuses = req
                .query_params()
                .into_iter()
                .filter(|(k, _)| k == "Statuses")
                .map(|(_, v)| {
                    ExecutionStatus::parse(&v).ok_or_else(|| {
                        ServiceError::InvalidParameterValue(format!("Invalid status '{v}'"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let filter = ListFilter {
                name: req.param("DurableExecutionName"),
                statuses,
                started_after_ms: timestamp_param(req, "StartedAfter")?,
                started_before_ms: timestamp_param(req, "StartedBefore")?,
                reverse: req.flag("ReverseOrder"),
                marker: req.param("Marker"),
                max_items: max_items(req)?,
            };
            let name = crate::service::bare_function_name(function);
            Ok(json_response(
                200,
                &service.list_by_function(name, &filter)?,
            ))
        }
        (_, ["2025-12-01", "durable-execution-callbacks", id, action]) if method == "POST" => {
            match *action {
                "succeed" => service.callback_success(id, &req.body)?,
                "fail" => service
                    .callback_failure(id, parse_error_body(&req.body)?.unwrap_or_default())?,
                "heartbeat" => service.callback_heartbeat(id)?,
                _ => return Err(not_found(req)),
            }
            Ok(json_response(200, &json!({})))
        }
        (_, ["2025-12-01", "durable-executions", rest @ ..]) if !rest.is_empty() => {
            let (arn, action) = match rest.split_last() {
                Some((last, head))
                    if !head.is_empty()
                        && matches!(*last, "checkpoint" | "state" | "history" | "stop") =>
                {
                    (head.join("/"), Some(*last))
                }
                _ => (rest.join("/"), None),
            };
            execution_route(core, req, &arn, action).await
        }
        _ => Err(not_found(req)),
    }
}

fn not_found(req: &ApiRequest) -> ServiceError {
    ServiceError::ResourceNotFound(format!("No route for {} {}", req.method, req.path))
}

async fn execution_route(
    core: &Arc<Core>,
    req: &ApiRequest,
    arn: &str,
    action: Option<&str>,
) -> Result<ApiResponse, ServiceError> {
    let service = &core.service;
    match (req.method.as_str(), action) {
        ("GET", None) => Ok(json_response(
            200,
            &service.get_execution(
                arn,
                req.param("IncludeExecutionData")
                    .is_none_or(|v| v != "false"),
            )?,
        )),
        ("POST", Some("checkpoint")) => {
            let body: CheckpointRequest = parse_body(&req.body)?;
            let token = body.checkpoint_token.unwrap_or_default();
            let result = service
                .checkpoint_async(arn, &token, body.client_token.as_deref(), &body.updates)
                .await?;
            for invoke in result.invokes {
                core.dispatch_invoke(invoke);
            }
            Ok(json_response(200, &result.response))
        }
        ("GET", Some("state")) => {
            let token = req.param("CheckpointToken").unwrap_or_default();
            let marker = req.param("Marker");
            Ok(json_response(
                200,
                &service.get_state(arn, &token, marker.as_deref(), max_items(req)?)?,
            ))
        }
        ("GET", Some("history")) => Ok(json_response(
            200,
            &service.history(
                arn,
                req.flag("IncludeExecutionData"),
                req.flag("ReverseOrder"),
                req.param("Marker").as_deref(),
                max_items(req)?,
            )?,
        )),
        ("POST", Some("stop")) => {
            let at = service.stop(arn, parse_error_body(&req.body)?)?;
            Ok(json_response(
                200,
                &json!({"StopTimestamp": to_wire_seconds(at)}),
            ))
        }
        _ => Err(not_found(req)),
    }
}
