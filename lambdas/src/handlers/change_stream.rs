//! The change stream handler: publishes the events of each balance change in order (F8) and stops at the first
//! failed publish, reporting it and every later record as failed so they are retried in order (F9).

use crate::core::account::BalanceChange;
use crate::handlers::batch::{BatchOutcome, ItemFailure};
use crate::ports::{Clock, EventPublisher};
use crate::use_cases::publish_balance_change;

/// One change record of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// The record's sequence number (the batch item identifier).
    pub sequence_number: String,
    /// The change.
    pub change: BalanceChange,
}

/// Publishes every record's events; on the first failure, that record and all later ones are reported failed.
pub async fn handle_stream_batch<P: EventPublisher, C: Clock>(
    publisher: &P,
    clock: &C,
    env: &str,
    records: &[StreamRecord],
) -> BatchOutcome {
    let mut outcome = BatchOutcome::default();
    for (index, record) in records.iter().enumerate() {
        match publish_balance_change(publisher, clock, env, &record.change).await {
            Ok(published) => {
                tracing::debug!(sequence_number = %record.sequence_number, published, "change published");
            }
            Err(error) => {
                tracing::warn!(sequence_number = %record.sequence_number, %error, "publish failed; the record will be retried");
                outcome.failures = records[index..]
                    .iter()
                    .enumerate()
                    .map(|(offset, r)| ItemFailure {
                        item_identifier: r.sequence_number.clone(),
                        reason: if offset == 0 {
                            error.to_string()
                        } else {
                            "an earlier record failed".into()
                        },
                        retryable: true,
                    })
                    .collect();
                break;
            }
        }
    }
    outcome
}
