//! The change stream handler: publishes the events of each balance change in order (F8), packing consecutive
//! changes into calls of at most the publisher's limit (EventBridge: 10 entries; a v1/v2 pair is never split). At the first failed call, that
//! call's first record and every later record are reported failed, so they are retried in order (F9).

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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use serde_json::Value;

    use super::*;
    use crate::adapters::embedded::bus::list_archive;
    use crate::adapters::embedded::queues::DEFAULT_VISIBILITY_TIMEOUT_MS;
    use crate::adapters::embedded::{Bus, BusPublisher, Database, Queues, Topology};
    use crate::ports::SystemClock;

    #[tokio::test]
    async fn changes_are_published_in_order_with_each_pair_sharing_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open(&dir.path().join("s.sqlite3")).unwrap());
        let queues = Arc::new(Queues::new(
            db.clone(),
            HashMap::new(),
            DEFAULT_VISIBILITY_TIMEOUT_MS,
        ));
        let bus = Arc::new(Bus::new(db.clone(), queues, Topology::for_env("dev")));
        let records: Vec<StreamRecord> = (0..7)
            .map(|i| StreamRecord {
                sequence_number: i.to_string(),
                change: BalanceChange {
                    user_id: "u1".into(),
                    old_points: (i > 0).then_some(i * 50),
                    new_points: (i + 1) * 50,
                    expected_version: i,
                    new_version: i + 1,
                },
            })
            .collect();
        let outcome =
            handle_stream_batch(&BusPublisher::new(bus), &SystemClock, "dev", &records).await;
        assert_eq!(outcome, BatchOutcome::default());

        let archive = list_archive(&db).unwrap();
        assert_eq!(archive.len(), 14);
        for (i, pair) in archive.chunks(2).enumerate() {
            assert_eq!(pair[0].detail_type, "loyalty.pointsAdded.v1");
            assert_eq!(pair[1].detail_type, "loyalty.pointsAdded.v2");
            assert_eq!(pair[0].detail["id"], pair[1].detail["id"]);
            assert_eq!(
                pair[1].detail["data"]["totalPoints"],
                Value::from((i as i64 + 1) * 50)
            );
            assert_eq!(pair[1].detail["data"]["difference"], Value::from(50));
        }
    }
}
