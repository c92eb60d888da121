//! The change stream's use-case: publish the events of balance changes (F8), failing loudly (F9).

use rand::Rng;

use crate::core::account::BalanceChange;
use crate::core::outgoing::{OutgoingEvent, PublishContext, balance_change_events};
use crate::core::time_format::iso_millis;
use crate::ports::{Clock, EventPublisher, PublishError};

/// A fresh W3C `traceparent` (random trace and span ids, sampled): the root of the publish's trace.
pub fn new_traceparent() -> String {
    let mut rng = rand::rng();
    format!(
        "00-{:032x}-{:016x}-01",
        rng.random::<u128>() | 1,
        rng.random::<u64>() | 1
    )
}

/// The events of one change, with a fresh CloudEvent id (shared by a v1/v2 pair) and trace context.
pub fn events_of<C: Clock>(clock: &C, env: &str, change: &BalanceChange) -> Vec<OutgoingEvent> {
    let context = PublishContext {
        env: env.to_owned(),
        event_id: uuid::Uuid::new_v4().to_string(),
        time: iso_millis(clock.now_ms()),
        traceparent: Some(new_traceparent()),
    };
    balance_change_events(change, &context)
}

/// Publishes the events of `change` in one call; returns how many were published (0 for an unchanged balance).
pub async fn publish_balance_change<P: EventPublisher, C: Clock>(
    publisher: &P,
    clock: &C,
    env: &str,
    change: &BalanceChange,
) -> Result<usize, PublishError> {
    let events = events_of(clock, env, change);
    if events.is_empty() {
        return Ok(0);
    }
    publisher.publish(&events).await?;
    Ok(events.len())
}
