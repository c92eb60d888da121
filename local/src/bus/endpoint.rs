//! EventBridge `PutEvents` over its own wire protocol (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`) at
//! `POST /`, so `aws events put-events --endpoint-url` and every AWS SDK publish to the embedded bus unchanged.
//! Signature headers are accepted and ignored: the endpoint only listens on loopback.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use loyalty_service::ports::{Clock, SystemClock};
use serde_json::Value;

use crate::bus::event_bus::Bus;
use crate::bus::wire::{
    MAX_ENTRIES, MAX_REQUEST_BYTES, PutEventsEntry, aws_error, aws_json, read_request,
    response_body, validation,
};

/// The `POST /` route of the embedded bus.
pub fn put_events_routes(bus: Arc<Bus>) -> Router {
    Router::new().route("/", post(put_events)).with_state(bus)
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
