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
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::adapters::http::put_events::{AMZ_JSON, PUT_EVENTS_TARGET};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    source: Option<String>,
    detail_type: Option<String>,
    detail: Option<String>,
    event_bus_name: Option<String>,
    #[serde(default)]
    resources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Request {
    #[serde(default)]
    entries: Vec<Entry>,
}

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

fn aws_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    response
}

fn aws_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let mut response = aws_json(status, &json!({"__type": error_type, "message": message}));
    if let Ok(value) = HeaderValue::from_str(error_type) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

async fn forward(
    State(forwarder): State<Arc<Forwarder>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if target != PUT_EVENTS_TARGET {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("only {PUT_EVENTS_TARGET} is served here, not `{target}`"),
        );
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return aws_error(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                &e.to_string(),
            );
        }
    };
    let entries = request
        .entries
        .into_iter()
        .map(|e| {
            let bus = match e.event_bus_name.as_deref().map(str::trim) {
                None | Some("" | "default") => forwarder.bus_name.clone(),
                Some(name) => name.to_owned(),
            };
            PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .set_source(e.source)
                .set_detail_type(e.detail_type)
                .set_detail(e.detail)
                .set_resources((!e.resources.is_empty()).then_some(e.resources))
                .build()
        })
        .collect();
    match forwarder
        .client
        .put_events()
        .set_entries(Some(entries))
        .send()
        .await
    {
        Ok(output) => {
            let entries: Vec<Value> = output
                .entries()
                .iter()
                .map(|entry| match entry.event_id() {
                    Some(id) => json!({"EventId": id}),
                    None => json!({"ErrorCode": entry.error_code(), "ErrorMessage": entry.error_message()}),
                })
                .collect();
            aws_json(
                StatusCode::OK,
                &json!({"FailedEntryCount": output.failed_entry_count(), "Entries": entries}),
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
