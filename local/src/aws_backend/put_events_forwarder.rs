//! The `PutEvents` endpoint of `loyalty-local serve --backend aws`: the same wire protocol as the embedded bus's
//! endpoint (`POST /`, AWS JSON 1.1), forwarded to EventBridge (moto or AWS) through the SDK, so producers keep
//! publishing to the service's address. An absent or `default` bus name means the service's bus.

use std::sync::Arc;

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::bus::wire::{MAX_DETAIL_DEPTH, aws_error, aws_json, nesting_depth, read_request};

struct Forwarder {
    client: Client,
    bus_name: String,
}

/// The `POST /` route forwarding to EventBridge's bus `bus_name`.
pub fn put_events_forwarder_routes(client: Client, bus_name: &str) -> Router {
    let state = Arc::new(Forwarder {
        client,
        bus_name: bus_name.to_owned(),
    });
    Router::new().route("/", post(forward)).with_state(state)
}

async fn forward(
    State(forwarder): State<Arc<Forwarder>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match read_request(&headers, &body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    // A detail nested deeper than the consumers read is refused here, as the embedded bus refuses it (behaviour
    // F20); the other entries are forwarded and the answers keep the request's order.
    let mut refused = Vec::new();
    let entries: Vec<PutEventsRequestEntry> = request
        .entries
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, e)| {
            if e.detail
                .as_deref()
                .is_some_and(|d| nesting_depth(d) > MAX_DETAIL_DEPTH)
            {
                refused.push(index);
                return None;
            }
            let bus = match e.event_bus_name.as_deref().map(str::trim) {
                None | Some("" | "default") => forwarder.bus_name.clone(),
                Some(name) => name.to_owned(),
            };
            Some(
                PutEventsRequestEntry::builder()
                    .event_bus_name(bus)
                    .set_source(e.source)
                    .set_detail_type(e.detail_type)
                    .set_detail(e.detail)
                    .set_resources((!e.resources.is_empty()).then_some(e.resources))
                    .build(),
            )
        })
        .collect();
    let malformed =
        || json!({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."});
    if entries.is_empty() && !refused.is_empty() {
        let answers: Vec<Value> = refused.iter().map(|_| malformed()).collect();
        return aws_json(
            StatusCode::OK,
            &json!({"FailedEntryCount": answers.len(), "Entries": answers}),
        );
    }
    match forwarder
        .client
        .put_events()
        .set_entries(Some(entries))
        .send()
        .await
    {
        Ok(output) => {
            let mut forwarded = output.entries().iter().map(|entry| match entry.event_id() {
                Some(id) => json!({"EventId": id}),
                None => {
                    json!({"ErrorCode": entry.error_code(), "ErrorMessage": entry.error_message()})
                }
            });
            let total = output.entries().len() + refused.len();
            let answers: Vec<Value> = (0..total)
                .filter_map(|index| {
                    if refused.contains(&index) {
                        Some(malformed())
                    } else {
                        forwarded.next()
                    }
                })
                .collect();
            aws_json(
                StatusCode::OK,
                &json!({
                    "FailedEntryCount": i64::from(output.failed_entry_count()) + refused.len() as i64,
                    "Entries": answers
                }),
            )
        }
        Err(error) => match error.as_service_error() {
            Some(service) => aws_error(
                StatusCode::BAD_REQUEST,
                service.code().unwrap_or("Unknown"),
                service.message().unwrap_or_default(),
            ),
            None => aws_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                &aws_sdk_eventbridge::error::DisplayErrorContext(error).to_string(),
            ),
        },
    }
}
