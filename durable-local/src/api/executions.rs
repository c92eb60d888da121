//! The operations on executions and callbacks: list, get, state, history, checkpoint, stop,
//! and the three callback answers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::ApiError;
use super::extract::{Params, QueryParams, decode};
use crate::error::ServiceError;
use crate::runner::Core;
use crate::service::ListFilter;
use crate::wire::{CheckpointRequest, ErrorObject, ExecutionStatus, to_wire_seconds};

/// The path prefix of the operations on one execution; the rest of the path is the execution
/// ARN (its `/` percent-encoded or not), optionally followed by an action.
pub(super) const PREFIX: &str = "/2025-12-01/durable-executions/";

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
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

/// `ListDurableExecutionsByFunction`.
pub(super) async fn list_by_function(
    Extension(core): Extension<Arc<Core>>,
    Params(function): Params<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let statuses = query
        .all("Statuses")
        .map(|v| {
            ExecutionStatus::parse(v)
                .ok_or_else(|| ServiceError::InvalidParameterValue(format!("Invalid status '{v}'")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = ListFilter {
        name: query.param("DurableExecutionName"),
        statuses,
        started_after_ms: query.timestamp_ms("StartedAfter")?,
        started_before_ms: query.timestamp_ms("StartedBefore")?,
        reverse: query.flag("ReverseOrder"),
        marker: query.param("Marker"),
        max_items: query.max_items()?,
    };
    let name = crate::service::bare_function_name(&function);
    Ok(axum::Json(core.service.list_by_function(name, &filter)?).into_response())
}

/// `SendDurableExecutionCallbackSuccess`, `...Failure` and `...Heartbeat`.
pub(super) async fn callback(
    Extension(core): Extension<Arc<Core>>,
    Params((id, action)): Params<(String, String)>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = &core.service;
    match action.as_str() {
        "succeed" => service.callback_success(&id, &body)?,
        "fail" => service.callback_failure(&id, parse_error_body(&body)?.unwrap_or_default())?,
        "heartbeat" => service.callback_heartbeat(&id)?,
        _ => return Err(ApiError::no_route(&method, &uri)),
    }
    Ok(axum::Json(json!({})).into_response())
}

/// The execution ARN and the action of a path under [`PREFIX`]. The ARN's own `/` may
/// arrive percent-encoded or not, so the path is split before it is decoded.
fn execution_and_action(uri: &Uri) -> (String, Option<String>) {
    let rest = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    match segments.split_last() {
        Some((last, head))
            if !head.is_empty()
                && matches!(last.as_str(), "checkpoint" | "state" | "history" | "stop") =>
        {
            (head.join("/"), Some(last.clone()))
        }
        _ => (segments.join("/"), None),
    }
}

/// `GetDurableExecution`, `GetDurableExecutionState` and `GetDurableExecutionHistory`.
pub(super) async fn read(
    Extension(core): Extension<Arc<Core>>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let service = &core.service;
    let query = QueryParams::parse(query.as_deref());
    let (arn, action) = execution_and_action(&uri);
    let body = match action.as_deref() {
        None => service.get_execution(
            &arn,
            query
                .param("IncludeExecutionData")
                .is_none_or(|v| v != "false"),
        )?,
        Some("state") => {
            let token = query.param("CheckpointToken").unwrap_or_default();
            let marker = query.param("Marker");
            service.get_state(&arn, &token, marker.as_deref(), query.max_items()?)?
        }
        Some("history") => service.history(
            &arn,
            query.flag("IncludeExecutionData"),
            query.flag("ReverseOrder"),
            query.param("Marker").as_deref(),
            query.max_items()?,
        )?,
        Some(_) => return Err(ApiError::no_route(&method, &uri)),
    };
    Ok(axum::Json(body).into_response())
}

/// `CheckpointDurableExecution` and `StopDurableExecution`.
pub(super) async fn change(
    Extension(core): Extension<Arc<Core>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = &core.service;
    let (arn, action) = execution_and_action(&uri);
    match action.as_deref() {
        Some("checkpoint") => {
            let request: CheckpointRequest = parse_body(&body)?;
            let token = request.checkpoint_token.unwrap_or_default();
            let result = service
                .checkpoint_async(
                    &arn,
                    &token,
                    request.client_token.as_deref(),
                    &request.updates,
                )
                .await?;
            for invoke in result.invokes {
                core.dispatch_invoke(invoke);
            }
            Ok(axum::Json(result.response).into_response())
        }
        Some("stop") => {
            let at = service.stop(&arn, parse_error_body(&body)?)?;
            Ok(axum::Json(json!({"StopTimestamp": to_wire_seconds(at)})).into_response())
        }
        _ => Err(ApiError::no_route(&method, &uri)),
    }
}
