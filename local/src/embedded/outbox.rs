//! The change records written with every balance change: the embedded counterpart of a DynamoDB stream.

use std::sync::Arc;

use rusqlite::params;

use crate::embedded::database::Database;
use crate::embedded::dead_letters::{DeadLetter, record_dead_letter};
use crate::embedded::error::EmbeddedError;
use loyalty_service::core::account::BalanceChange;

/// A pending change record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Its position in the stream.
    pub seq: i64,
    /// The change.
    pub change: BalanceChange,
    /// Failed publish attempts so far.
    pub attempts: i64,
    /// Not to be retried before this time, epoch ms.
    pub next_attempt_at_ms: i64,
}

/// The outbox table.
#[derive(Debug, Clone)]
pub struct Outbox {
    db: Arc<Database>,
}

impl Outbox {
    /// The outbox of `db`.
    pub fn new(db: Arc<Database>) -> Self {
        Self { db }
    }

    /// The oldest `limit` pending records, in stream order.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, EmbeddedError> {
        self.db.read(|c| {
            c.prepare_cached(
                "SELECT seq, user_id, old_points, new_points, expected_version, new_version, attempts,
                        next_attempt_at_ms
                 FROM outbox ORDER BY seq LIMIT ?1",
            )?
            .query_map([limit as i64], |r| {
                Ok(OutboxRecord {
                    seq: r.get(0)?,
                    change: BalanceChange {
                        user_id: r.get(1)?,
                        old_points: r.get(2)?,
                        new_points: r.get(3)?,
                        expected_version: r.get(4)?,
                        new_version: r.get(5)?,
                    },
                    attempts: r.get(6)?,
                    next_attempt_at_ms: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
            .map_err(EmbeddedError::from)
        })
    }

    /// Removes published records.
    pub fn acknowledge(&self, seqs: &[i64]) -> Result<(), EmbeddedError> {
        if seqs.is_empty() {
            return Ok(());
        }
        self.db.write(|tx| {
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?;
            for seq in seqs {
                delete.execute([seq])?;
            }
            Ok::<_, EmbeddedError>(())
        })
    }

    /// Records a failed attempt; the record is retried at `next_attempt_at_ms`.
    pub fn record_failure(
        &self,
        seq: i64,
        error: &str,
        next_attempt_at_ms: i64,
    ) -> Result<(), EmbeddedError> {
        self.db.write(|tx| {
            tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at_ms = ?3 WHERE seq = ?1",
            )?
            .execute(params![seq, error, next_attempt_at_ms])?;
            Ok::<_, EmbeddedError>(())
        })
    }

    /// Moves a record that exhausted its attempts to the failure destination `queue`, with the reason.
    pub fn move_to_failure_destination(
        &self,
        record: &OutboxRecord,
        queue: &str,
        reason: &str,
        now_ms: i64,
    ) -> Result<(), EmbeddedError> {
        let body = serde_json::to_string(&record.change)
            .map_err(|e| EmbeddedError::Corrupt(e.to_string()))?;
        let dead_letter = DeadLetter {
            queue: queue.to_owned(),
            source_queue: "outbox".to_owned(),
            message_id: format!("outbox-{}", record.seq),
            event_id: None,
            detail_type: Some(
                if record.change.old_points.is_some() {
                    "MODIFY"
                } else {
                    "INSERT"
                }
                .to_owned(),
            ),
            reason: reason.to_owned(),
            body,
            receive_count: record.attempts + 1,
        };
        self.db.write(|tx| {
            record_dead_letter(tx, &dead_letter, now_ms)?;
            tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                .execute([record.seq])?;
            Ok::<_, EmbeddedError>(())
        })
    }

    /// How many records are pending.
    pub fn len(&self) -> Result<i64, EmbeddedError> {
        self.db.read(|c| {
            c.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
                .map_err(EmbeddedError::from)
        })
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> Result<bool, EmbeddedError> {
        Ok(self.len()? == 0)
    }
}
