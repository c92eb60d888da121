//! The change stream handler: publishes the events of each balance change in order (behaviour F8), packing consecutive
//! changes into calls of at most the publisher's limit (EventBridge: 10 entries; a v1/v2 pair is never split). At the first failed call, that
//! call's first record and every later record are reported failed, so they are retried in order (behaviour F9).

use crate::core::account::BalanceChange;
use crate::core::outgoing::OutgoingEvent;
use crate::handlers::batch::{BatchOutcome, ItemFailure};
use crate::ports::{Clock, EventPublisher};
use crate::use_cases::publish_change::traced_events_of;

/// One change record of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// The record's sequence number (the batch item identifier).
    pub sequence_number: String,
    /// The change.
    pub change: BalanceChange,
}

fn fail_from(records: &[StreamRecord], reason: &str) -> Vec<ItemFailure> {
    records
        .iter()
        .enumerate()
        .map(|(offset, r)| ItemFailure {
            item_identifier: r.sequence_number.clone(),
            reason: if offset == 0 {
                reason.to_owned()
            } else {
                "an earlier record failed".into()
            },
            retryable: true,
        })
        .collect()
}

/// Publishes every record's events; on the first failure, the failed call's records and all later ones fail.
pub async fn handle_stream_batch<P: EventPublisher, C: Clock>(
    publisher: &P,
    clock: &C,
    env: &str,
    records: &[StreamRecord],
) -> BatchOutcome {
    let max_entries = publisher.max_entries_per_call().max(2);
    let mut call: Vec<OutgoingEvent> = Vec::with_capacity(max_entries);
    let mut call_start = 0;
    // The producer spans of the events in `call`, kept open until their PutEvents call returns.
    let mut spans = Vec::with_capacity(max_entries);
    for (index, record) in records.iter().enumerate() {
        let (events, span) = traced_events_of(clock, env, &record.change);
        if !call.is_empty() && call.len() + events.len() > max_entries {
            if let Err(error) = publisher.publish(&call).await {
                tracing::warn!(%error, "publish failed; the records will be retried");
                return BatchOutcome {
                    failures: fail_from(&records[call_start..], &error.to_string()),
                };
            }
            call.clear();
            spans.clear();
            call_start = index;
        }
        call.extend(events);
        spans.push(span);
    }
    if !call.is_empty()
        && let Err(error) = publisher.publish(&call).await
    {
        tracing::warn!(%error, "publish failed; the records will be retried");
        return BatchOutcome {
            failures: fail_from(&records[call_start..], &error.to_string()),
        };
    }
    BatchOutcome::default()
}
