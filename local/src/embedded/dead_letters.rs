//! Dead letters: messages a queue gave up on, and change records the stream gave up on, with their reasons.

use rusqlite::{Transaction, params};
use serde::Serialize;

use crate::embedded::database::Database;
use crate::embedded::error::EmbeddedError;
use crate::embedded::queue_message::QueueMessage;

/// A message in a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// The dead-letter queue.
    pub queue: String,
    /// The queue the message failed in.
    #[serde(skip)]
    pub source_queue: String,
    /// The message id.
    pub message_id: String,
    /// The EventBridge event id, if known.
    pub event_id: Option<String>,
    /// The EventBridge detail-type, if known.
    pub detail_type: Option<String>,
    /// Why it was dead-lettered.
    pub reason: String,
    /// The original body.
    pub body: String,
    /// How often it was received.
    #[serde(skip)]
    pub receive_count: i64,
}

pub(crate) fn dead_letter_in(
    tx: &Transaction<'_>,
    dead_letter_queue: &str,
    message: &QueueMessage,
    reason: &str,
    now_ms: i64,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (queue, source_queue, message_id, event_id, detail_type, reason, body,
             receive_count, dead_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        dead_letter_queue,
        message.queue,
        message.message_id,
        message.event_id,
        message.detail_type,
        reason,
        message.body,
        message.receive_count,
        now_ms
    ])?;
    tx.prepare_cached("DELETE FROM queue_messages WHERE message_id = ?1")?
        .execute([&message.message_id])?;
    Ok(())
}

/// Dead-letters a record outside a queue (the change stream's failure destination).
pub fn record_dead_letter(
    tx: &Transaction<'_>,
    dead_letter: &DeadLetter,
    now_ms: i64,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (queue, source_queue, message_id, event_id, detail_type, reason, body,
             receive_count, dead_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        dead_letter.queue,
        dead_letter.source_queue,
        dead_letter.message_id,
        dead_letter.event_id,
        dead_letter.detail_type,
        dead_letter.reason,
        dead_letter.body,
        dead_letter.receive_count,
        now_ms
    ])?;
    Ok(())
}

/// Every dead letter in `db`, oldest first (used by `loyalty-local dlq` without starting the service).
pub fn list_dead_letters(db: &Database) -> Result<Vec<DeadLetter>, EmbeddedError> {
    db.read(|c| {
        c.prepare(
            "SELECT queue, source_queue, message_id, event_id, detail_type, reason, body, receive_count
             FROM dead_letters ORDER BY seq",
        )?
        .query_map([], |r| {
            Ok(DeadLetter {
                queue: r.get(0)?,
                source_queue: r.get(1)?,
                message_id: r.get(2)?,
                event_id: r.get(3)?,
                detail_type: r.get(4)?,
                reason: r.get(5)?,
                body: r.get(6)?,
                receive_count: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(EmbeddedError::from)
    })
}
