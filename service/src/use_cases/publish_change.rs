//! The change stream's use-case: publish the events of balance changes (behaviour F8), failing loudly (behaviour F9).

use rand::Rng;

use crate::core::account::BalanceChange;
use crate::core::outgoing::{
    OutgoingEvent, POINTS_ADDED_V2, POINTS_SPENT_V1, PublishContext, balance_change_events,
};
use crate::core::time_format::iso_millis;
use crate::ports::{Clock, EventPublisher, PublishError};
use crate::telemetry::current_traceparent;
use tracing::{Instrument, Span};

/// A fresh W3C `traceparent` (random trace and span ids, sampled): the root of the publish's trace.
pub fn new_traceparent() -> String {
    let mut rng = rand::rng();
    format!(
        "00-{:032x}-{:016x}-01",
        rng.random::<u128>() | 1,
        rng.random::<u64>() | 1
    )
}

/// The events of one change, with a fresh CloudEvent id (shared by a v1/v2 pair) and the current span's trace
/// context (a fresh root `traceparent` when spans are not exported).
pub fn events_of<C: Clock>(clock: &C, env: &str, change: &BalanceChange) -> Vec<OutgoingEvent> {
    let context = PublishContext {
        env: env.to_owned(),
        event_id: uuid::Uuid::new_v4().to_string(),
        time: iso_millis(clock.now_ms()),
        traceparent: Some(current_traceparent().unwrap_or_else(new_traceparent)),
    };
    balance_change_events(change, &context)
}

/// The events of one change built inside their producer span `publish <newest type>` (one span for a v1/v2 pair,
/// as the original), so their `traceparent` is that span's; the span is returned to cover the PutEvents call.
pub fn traced_events_of<C: Clock>(
    clock: &C,
    env: &str,
    change: &BalanceChange,
) -> (Vec<OutgoingEvent>, Span) {
    let newest_type = match change.difference() {
        0 => return (Vec::new(), Span::none()),
        d if d > 0 => POINTS_ADDED_V2,
        _ => POINTS_SPENT_V1,
    };
    let span = tracing::debug_span!(
        "publish",
        otel.name = %format!("publish {newest_type}"),
        otel.kind = "producer",
        messaging.system = "eventbridge",
        messaging.operation.type = "send",
        messaging.batch.message_count = tracing::field::Empty,
        cloudevents.event_type = newest_type,
    );
    let events = span.in_scope(|| events_of(clock, env, change));
    span.record("messaging.batch.message_count", events.len());
    (events, span)
}

/// Publishes the events of `change` in one call; returns how many were published (0 for an unchanged balance).
pub async fn publish_balance_change<P: EventPublisher, C: Clock>(
    publisher: &P,
    clock: &C,
    env: &str,
    change: &BalanceChange,
) -> Result<usize, PublishError> {
    let (events, span) = traced_events_of(clock, env, change);
    if events.is_empty() {
        return Ok(0);
    }
    publisher.publish(&events).instrument(span).await?;
    Ok(events.len())
}
