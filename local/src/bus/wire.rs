//! The EventBridge `PutEvents` wire protocol (AWS JSON 1.1) as the embedded bus's endpoint, its client and the AWS
//! backend's forwarder all speak it: the request and its entries, the per-entry results, the response body and the
//! AWS error responses. Nothing here knows where the events go.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loyalty_service::ports::PublishError;
use serde::Deserialize;
use serde_json::{Value, json};

/// The `X-Amz-Target` of `PutEvents`.
pub const PUT_EVENTS_TARGET: &str = "AWSEvents.PutEvents";
/// The content type of the AWS JSON 1.1 protocol.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";
/// EventBridge's limit of entries per call.
pub const MAX_ENTRIES: usize = 10;
/// EventBridge's limit of a request's total entry size.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// The deepest `Detail` the consumers can read: they parse the whole EventBridge event (one object around the
/// detail) with serde_json, which reads at most 127 levels of nested arrays and objects. A deeper detail is refused
/// at the door with `MalformedDetail` rather than accepted and later dead-lettered as unreadable (behaviour F20).
pub const MAX_DETAIL_DEPTH: usize = 126;

/// The deepest nesting of arrays and objects in JSON text (0 for a scalar), strings skipped. For text already
/// known to be valid JSON.
pub(crate) fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0_usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

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

/// One `PutEvents` request entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutEventsEntry {
    /// `Source`.
    pub source: Option<String>,
    /// `DetailType`.
    pub detail_type: Option<String>,
    /// `Detail`: a JSON object, as text.
    pub detail: Option<String>,
    /// `EventBusName` (a name or an ARN).
    pub event_bus_name: Option<String>,
    /// `Resources`.
    pub resources: Vec<String>,
    /// `Time`, epoch ms: the event's `time` in the envelope (default: when the bus accepts it).
    pub time_ms: Option<i64>,
}

/// The result of one entry, as EventBridge reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResult {
    /// Accepted, with its event id.
    Accepted {
        /// The EventBridge event id.
        event_id: String,
    },
    /// Refused.
    Failed {
        /// `ErrorCode`.
        error_code: String,
        /// `ErrorMessage`.
        error_message: String,
    },
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

/// A `ValidationException`.
pub(crate) fn validation(message: &str) -> Response {
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

/// `Ok` when every entry was accepted, [`PublishError::EntriesRejected`] otherwise (the `FailedEntryCount` check).
pub fn rejected_entries(results: &[EntryResult]) -> Result<(), PublishError> {
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            EntryResult::Failed {
                error_code,
                error_message,
            } => Some(format!("{error_code}: {error_message}")),
            EntryResult::Accepted { .. } => None,
        })
        .collect();
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(PublishError::EntriesRejected {
            failed: failures.len(),
            total: results.len(),
            first_error: first.clone(),
        }),
    }
}
