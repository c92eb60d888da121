//! EventBridge `PutEvents` over its own wire protocol (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`) at
//! `POST /`, so `aws events put-events --endpoint-url` and every AWS SDK publish to the embedded bus unchanged.
//! Signature headers are accepted and ignored: the endpoint only listens on loopback.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::adapters::embedded::bus::{Bus, EntryResult, PutEventsEntry};
use crate::ports::{Clock, SystemClock};

/// The `X-Amz-Target` of `PutEvents`.
pub const PUT_EVENTS_TARGET: &str = "AWSEvents.PutEvents";
/// The content type of the AWS JSON 1.1 protocol.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";
/// EventBridge's limit of entries per call.
pub const MAX_ENTRIES: usize = 10;
/// EventBridge's limit of a request's total entry size.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// One entry of a `PutEvents` call as the wire carries it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RequestEntry {
    pub(crate) source: Option<String>,
    pub(crate) detail_type: Option<String>,
    pub(crate) detail: Option<String>,
    pub(crate) event_bus_name: Option<String>,
    #[serde(default)]
    pub(crate) resources: Vec<String>,
    /// AWS JSON timestamps are epoch seconds (a number, possibly fractional).
    pub(crate) time: Option<Value>,
}

/// A `PutEvents` call's body.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PutEventsRequest {
    pub(crate) entries: Option<Vec<RequestEntry>>,
}

/// The `POST /` route of the embedded bus.
pub fn put_events_routes(bus: Arc<Bus>) -> Router {
    Router::new().route("/", post(put_events)).with_state(bus)
}

/// An AWS JSON 1.1 response.
pub(crate) fn aws_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    response
}

/// An AWS JSON 1.1 error response (`__type` in the body and `x-amzn-errortype`).
pub(crate) fn aws_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let mut response = aws_json(status, &json!({"__type": error_type, "message": message}));
    if let Ok(value) = HeaderValue::from_str(error_type) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

fn validation(message: &str) -> Response {
    aws_error(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// Reads a `PutEvents` call: the `X-Amz-Target` must name `PutEvents` and the body must be its JSON; otherwise the
/// AWS error response to send back.
pub(crate) fn read_request(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<PutEventsRequest, Box<Response>> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target != PUT_EVENTS_TARGET {
        let message = if target.is_empty() {
            "Missing X-Amz-Target header: only AWSEvents.PutEvents is served here".to_owned()
        } else {
            format!("Operation {target} is not supported: only AWSEvents.PutEvents is served here")
        };
        return Err(Box::new(aws_error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &message,
        )));
    }
    serde_json::from_slice(body).map_err(|error| {
        Box::new(aws_error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            &format!("Malformed request body: {error}"),
        ))
    })
}

async fn put_events(State(bus): State<Arc<Bus>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match read_request(&headers, &body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let Some(entries) = request.entries else {
        return validation(
            "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
        );
    };
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return validation(&format!(
            "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length \
             between 1 and {MAX_ENTRIES}, got {}",
            entries.len()
        ));
    }
    let size: usize = entries
        .iter()
        .map(|e| {
            [&e.source, &e.detail_type, &e.detail]
                .iter()
                .map(|f| f.as_ref().map_or(0, String::len))
                .sum::<usize>()
                + e.resources.iter().map(String::len).sum::<usize>()
        })
        .sum();
    if size > MAX_REQUEST_BYTES {
        return validation("Total size of the entries in the request is over the limit.");
    }
    let entries: Vec<PutEventsEntry> = entries
        .into_iter()
        .map(|e| PutEventsEntry {
            source: e.source,
            detail_type: e.detail_type,
            detail: e.detail,
            event_bus_name: e.event_bus_name,
            resources: e.resources,
            time_ms: e
                .time
                .as_ref()
                .and_then(Value::as_f64)
                .map(|secs| (secs * 1000.0) as i64),
        })
        .collect();
    match bus.put_events(&entries, SystemClock.now_ms()) {
        Ok(results) => aws_json(StatusCode::OK, &response_body(&results)),
        Err(error) => {
            tracing::error!(%error, "PutEvents failed");
            aws_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalException",
                "the embedded bus could not store the events",
            )
        }
    }
}

/// `{"FailedEntryCount":N,"Entries":[{"EventId":..} | {"ErrorCode":..,"ErrorMessage":..}]}`.
pub fn response_body(results: &[EntryResult]) -> Value {
    let failed = results
        .iter()
        .filter(|r| matches!(r, EntryResult::Failed { .. }))
        .count();
    let entries: Vec<Value> = results
        .iter()
        .map(|r| match r {
            EntryResult::Accepted { event_id } => json!({"EventId": event_id}),
            EntryResult::Failed {
                error_code,
                error_message,
            } => {
                json!({"ErrorCode": error_code, "ErrorMessage": error_message})
            }
        })
        .collect();
    json!({"FailedEntryCount": failed, "Entries": entries})
}
