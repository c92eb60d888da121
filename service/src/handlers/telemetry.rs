//! Consumer-side observability that can never fail the business logic (behaviour F16): every field is optional and
//! parsed leniently; a malformed `traceparent` or `_datadog` carrier is ignored.

use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::core::cloud_event::{CloudEvent, EventBridgeEnvelope};
use crate::telemetry::remote_span_context;

/// The `process <type>` span of one consumed event from `destination` (the subscription queue, e.g.
/// `UserCreated`), with the messaging semantic-convention attributes and a **span link** (not a parent: the
/// consumer starts its own trace) to the producer's `traceparent` when it is well-formed. Debug level: formatting
/// its fields for every message costs more than the credit itself, so it exists only when spans are exported or
/// `RUST_LOG` asks for it.
pub fn consumer_span(event: &CloudEvent, now_ms: i64, destination: &str) -> Span {
    let age_ms = event.time_ms().map(|t| now_ms - t);
    let message_id = event.id.as_ref().map(|id| match id {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    let span = tracing::debug_span!(
        "process",
        otel.name = %format!("process {}", event.event_type),
        otel.kind = "consumer",
        messaging.system = "eventbridge",
        messaging.operation.type = "process",
        messaging.destination.name = destination,
        messaging.message.id = message_id.as_deref(),
        messaging.message.domain = event.source.as_deref().unwrap_or_default(),
        messaging.message.age = age_ms,
        cloudevents.event_type = %event.event_type,
    );
    if let Some(producer) = remote_span_context(event.traceparent()) {
        span.add_link(producer);
    }
    span
}

/// [`consumer_span`] of an SQS message body (an EventBridge event); a body that is not one gets no span (the
/// handler rejects it with its reason).
pub fn consumer_span_of_body(body: &str, now_ms: i64, destination: &str) -> Span {
    match EventBridgeEnvelope::from_body(body).and_then(|envelope| envelope.cloud_event()) {
        Ok(event) => consumer_span(&event, now_ms, destination),
        Err(_) => Span::none(),
    }
}
