//! SQLite-backed queues with SQS semantics: batches of up to 10, a visibility timeout (30 s), a receive count, and
//! a dead-letter queue after 3 receives, with the reason kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{Transaction, params};
use tokio::sync::Notify;

use crate::embedded::database::Database;
use crate::embedded::dead_letters::{DeadLetter, dead_letter_in, list_dead_letters};
use crate::embedded::error::EmbeddedError;
pub use crate::embedded::queue_message::QueueMessage;

/// SQS's default visibility timeout.
pub const DEFAULT_VISIBILITY_TIMEOUT_MS: i64 = 30_000;
/// The redrive policy's `maxReceiveCount` of every deployed queue.
pub const MAX_RECEIVE_COUNT: i64 = 3;
/// The event source mapping's batch size.
pub const BATCH_SIZE: usize = 10;

/// What happens to a received message after its handler ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Processed: delete it.
    Done,
    /// Failed, may succeed later: visible again after the visibility timeout; dead-lettered after 3 receives.
    Retry {
        /// Why it failed.
        reason: String,
    },
    /// Can never succeed (malformed, unsupported): dead-lettered at once with the reason.
    Reject {
        /// Why.
        reason: String,
    },
}

/// The queues of one database.
#[derive(Debug)]
pub struct Queues {
    db: Arc<Database>,
    visibility_timeout_ms: i64,
    dead_letter_queues: HashMap<String, String>,
    signals: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Queues {
    /// Queues over `db`; `dead_letter_queues` maps each queue to its DLQ.
    pub fn new(
        db: Arc<Database>,
        dead_letter_queues: HashMap<String, String>,
        visibility_timeout_ms: i64,
    ) -> Self {
        Self {
            db,
            visibility_timeout_ms,
            dead_letter_queues,
            signals: Mutex::new(HashMap::new()),
        }
    }

    fn dead_letter_queue(&self, queue: &str) -> String {
        self.dead_letter_queues
            .get(queue)
            .cloned()
            .unwrap_or_else(|| format!("{queue}-DLQ"))
    }

    /// The notifier that wakes `queue`'s poller when a message arrives.
    pub fn signal(&self, queue: &str) -> Arc<Notify> {
        let mut signals = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        signals.entry(queue.to_owned()).or_default().clone()
    }

    /// Wakes the pollers of `queues` (after the transaction that sent to them committed).
    pub fn notify<'a>(&self, queues: impl IntoIterator<Item = &'a str>) {
        for queue in queues {
            self.signal(queue).notify_one();
        }
    }

    /// Sends a message inside the caller's transaction; returns its id.
    pub fn send_in(
        tx: &Transaction<'_>,
        queue: &str,
        body: &str,
        event_id: Option<&str>,
        detail_type: Option<&str>,
        now_ms: i64,
    ) -> Result<String, rusqlite::Error> {
        let message_id = uuid::Uuid::new_v4().to_string();
        tx.prepare_cached(
            "INSERT INTO queue_messages (message_id, queue, body, event_id, detail_type, sent_at_ms, visible_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![message_id, queue, body, event_id, detail_type, now_ms])?;
        Ok(message_id)
    }

    /// Sends one message (outside the bus).
    pub fn send(&self, queue: &str, body: &str, now_ms: i64) -> Result<String, EmbeddedError> {
        let id = self.db.write(|tx| {
            Self::send_in(tx, queue, body, None, None, now_ms).map_err(EmbeddedError::from)
        })?;
        self.notify([queue]);
        Ok(id)
    }

    /// Receives up to `max` visible messages, oldest first, hiding them for the visibility timeout. A message
    /// already received [`MAX_RECEIVE_COUNT`] times (its consumer died each time) goes to the DLQ instead.
    pub fn receive(
        &self,
        queue: &str,
        max: usize,
        now_ms: i64,
    ) -> Result<Vec<QueueMessage>, EmbeddedError> {
        let dead_letter_queue = self.dead_letter_queue(queue);
        let visible_at = now_ms + self.visibility_timeout_ms;
        self.db.write(|tx| {
            let candidates: Vec<(QueueMessage, Option<String>)> = tx
                .prepare_cached(
                    "SELECT message_id, body, event_id, detail_type, receive_count, sent_at_ms, last_error
                     FROM queue_messages WHERE queue = ?1 AND visible_at_ms <= ?2 ORDER BY seq LIMIT ?3",
                )?
                .query_map(params![queue, now_ms, max as i64], |r| {
                    Ok((
                        QueueMessage {
                            message_id: r.get(0)?,
                            queue: queue.to_owned(),
                            body: r.get(1)?,
                            event_id: r.get(2)?,
                            detail_type: r.get(3)?,
                            receive_count: r.get(4)?,
                            sent_at_ms: r.get(5)?,
                        },
                        r.get(6)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut received = Vec::with_capacity(candidates.len());
            for (mut message, last_error) in candidates {
                if message.receive_count >= MAX_RECEIVE_COUNT {
                    let reason = format!(
                        "received {} times without success (maxReceiveCount {MAX_RECEIVE_COUNT}); last error: {}",
                        message.receive_count,
                        last_error.as_deref().unwrap_or("none (the consumer stopped)")
                    );
                    dead_letter_in(tx, &dead_letter_queue, &message, &reason, now_ms)?;
                    continue;
                }
                message.receive_count += 1;
                tx.prepare_cached(
                    "UPDATE queue_messages SET receive_count = ?2, visible_at_ms = ?3, receipt_handle = ?4
                     WHERE message_id = ?1",
                )?
                .execute(params![message.message_id, message.receive_count, visible_at, uuid::Uuid::new_v4().to_string()])?;
                received.push(message);
            }
            Ok::<_, EmbeddedError>(received)
        })
    }

    /// Applies each message's disposition in one transaction: delete, keep for a retry, or dead-letter.
    pub fn settle(
        &self,
        settled: &[(QueueMessage, Disposition)],
        now_ms: i64,
    ) -> Result<(), EmbeddedError> {
        self.db.write(|tx| {
            for (message, disposition) in settled {
                match disposition {
                    Disposition::Done => {
                        tx.prepare_cached("DELETE FROM queue_messages WHERE message_id = ?1")?
                            .execute([&message.message_id])?;
                    }
                    Disposition::Reject { reason } => {
                        dead_letter_in(
                            tx,
                            &self.dead_letter_queue(&message.queue),
                            message,
                            reason,
                            now_ms,
                        )?;
                    }
                    Disposition::Retry { reason } if message.receive_count >= MAX_RECEIVE_COUNT => {
                        let reason = format!(
                            "failed {} times (maxReceiveCount {MAX_RECEIVE_COUNT}): {reason}",
                            message.receive_count
                        );
                        dead_letter_in(
                            tx,
                            &self.dead_letter_queue(&message.queue),
                            message,
                            &reason,
                            now_ms,
                        )?;
                    }
                    Disposition::Retry { reason } => {
                        tx.prepare_cached(
                            "UPDATE queue_messages SET last_error = ?2 WHERE message_id = ?1",
                        )?
                        .execute(params![message.message_id, reason])?;
                    }
                }
            }
            Ok::<_, EmbeddedError>(())
        })
    }

    /// Makes every in-flight message visible again. Called at start-up: in the single embedded process, a message
    /// still invisible belongs to a consumer that died with the previous process, so nobody will settle it.
    pub fn release_in_flight(&self, now_ms: i64) -> Result<usize, EmbeddedError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE queue_messages SET visible_at_ms = ?1 WHERE visible_at_ms > ?1 AND receive_count > 0",
                [now_ms],
            )
            .map_err(EmbeddedError::from)
        })
    }

    /// How many messages `queue` holds.
    pub fn depth(&self, queue: &str) -> Result<i64, EmbeddedError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT COUNT(*) FROM queue_messages WHERE queue = ?1")?
                .query_row([queue], |r| r.get(0))
                .map_err(EmbeddedError::from)
        })
    }

    /// Every dead letter, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, EmbeddedError> {
        list_dead_letters(&self.db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(visibility_ms: i64) -> (tempfile::TempDir, Queues) {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open(&dir.path().join("q.sqlite3")).unwrap());
        let dlqs = HashMap::from([("Q".to_owned(), "QDLQ".to_owned())]);
        (dir, Queues::new(db, dlqs, visibility_ms))
    }

    fn retry(reason: &str) -> Disposition {
        Disposition::Retry {
            reason: reason.into(),
        }
    }

    #[test]
    fn a_batch_holds_at_most_ten_messages_in_send_order() {
        let (_dir, queues) = queues(30_000);
        for i in 0..12 {
            queues.send("Q", &format!("m{i}"), 0).unwrap();
        }
        let batch = queues.receive("Q", BATCH_SIZE, 0).unwrap();
        let bodies: Vec<&str> = batch.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(
            bodies,
            ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"]
        );
        assert!(batch.iter().all(|m| m.receive_count == 1));
        assert_eq!(queues.receive("Q", BATCH_SIZE, 0).unwrap().len(), 2);
        assert_eq!(queues.receive("Q", BATCH_SIZE, 0).unwrap().len(), 0);
    }

    #[test]
    fn a_received_message_is_invisible_until_the_visibility_timeout() {
        let (_dir, queues) = queues(30_000);
        queues.send("Q", "m", 0).unwrap();
        let first = queues.receive("Q", 10, 0).unwrap();
        queues
            .settle(&[(first[0].clone(), retry("boom"))], 1)
            .unwrap();
        assert!(queues.receive("Q", 10, 29_999).unwrap().is_empty());
        let again = queues.receive("Q", 10, 30_000).unwrap();
        assert_eq!((again.len(), again[0].receive_count), (1, 2));
    }

    #[test]
    fn a_message_failing_three_receives_goes_to_the_dlq_with_its_reason() {
        let (_dir, queues) = queues(10);
        queues.send("Q", "poison", 0).unwrap();
        for attempt in 0..3 {
            let batch = queues.receive("Q", 10, attempt * 100).unwrap();
            assert_eq!(batch.len(), 1, "attempt {attempt}");
            queues
                .settle(
                    &[(batch[0].clone(), retry("store unavailable"))],
                    attempt * 100,
                )
                .unwrap();
        }
        assert_eq!(queues.depth("Q").unwrap(), 0);
        let dead = queues.dead_letters().unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (dead[0].queue.as_str(), dead[0].body.as_str()),
            ("QDLQ", "poison")
        );
        assert_eq!(
            dead[0].reason,
            "failed 3 times (maxReceiveCount 3): store unavailable"
        );
    }

    #[test]
    fn a_rejected_message_is_dead_lettered_at_once_and_others_keep_flowing() {
        let (_dir, queues) = queues(30_000);
        queues.send("Q", "bad", 0).unwrap();
        queues.send("Q", "good", 0).unwrap();
        let batch = queues.receive("Q", 10, 0).unwrap();
        queues
            .settle(
                &[
                    (
                        batch[0].clone(),
                        Disposition::Reject {
                            reason: "unsupported event type `x`".into(),
                        },
                    ),
                    (batch[1].clone(), Disposition::Done),
                ],
                0,
            )
            .unwrap();
        assert_eq!(queues.depth("Q").unwrap(), 0);
        assert_eq!(
            queues.dead_letters().unwrap()[0].reason,
            "unsupported event type `x`"
        );
    }

    #[test]
    fn in_flight_messages_of_a_dead_process_are_released_at_start_up_and_keep_their_count() {
        let (_dir, queues) = queues(30_000);
        queues.send("Q", "m", 0).unwrap();
        queues.receive("Q", 10, 0).unwrap();
        assert_eq!(queues.release_in_flight(5).unwrap(), 1);
        let batch = queues.receive("Q", 10, 5).unwrap();
        assert_eq!(batch[0].receive_count, 2);
    }

    #[test]
    fn a_message_whose_consumer_died_three_times_is_dead_lettered_on_the_next_receive() {
        let (_dir, queues) = queues(10);
        queues.send("Q", "m", 0).unwrap();
        for t in [0, 100, 200] {
            assert_eq!(queues.receive("Q", 10, t).unwrap().len(), 1);
        }
        assert!(queues.receive("Q", 10, 300).unwrap().is_empty());
        let dead = queues.dead_letters().unwrap();
        assert_eq!(
            dead[0].reason,
            "received 3 times without success (maxReceiveCount 3); last error: none (the consumer stopped)"
        );
    }
}
