//! The event source mapping of a queue: receive a batch, run the handler, settle every message. Woken at once when
//! a message arrives (a `Notify`), with a short fallback interval for visibility timeouts that expire.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::embedded::queues::{BATCH_SIZE, Disposition, QueueMessage, Queues};
use loyalty_service::handlers::batch::{BatchOutcome, SqsBatchHandler, SqsMessage};
use loyalty_service::ports::{Clock, SystemClock};

/// How long an idle poller sleeps when nothing wakes it (catches expired visibility timeouts).
pub const IDLE_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// What each message becomes after the handler's batch outcome.
pub fn dispositions(
    batch: &[QueueMessage],
    outcome: &BatchOutcome,
) -> Vec<(QueueMessage, Disposition)> {
    batch
        .iter()
        .map(|message| {
            let disposition = match outcome.failure_of(&message.message_id) {
                None => Disposition::Done,
                Some(failure) if failure.retryable => Disposition::Retry {
                    reason: failure.reason.clone(),
                },
                Some(failure) => Disposition::Reject {
                    reason: failure.reason.clone(),
                },
            };
            (message.clone(), disposition)
        })
        .collect()
}

/// Receives and handles one batch; returns how many messages it held.
pub async fn poll_once<H: SqsBatchHandler>(
    queues: &Queues,
    queue: &str,
    handler: &H,
) -> Result<usize, crate::embedded::EmbeddedError> {
    let batch = queues.receive(queue, BATCH_SIZE, SystemClock.now_ms())?;
    if batch.is_empty() {
        return Ok(0);
    }
    let messages: Vec<SqsMessage> = batch
        .iter()
        .map(|m| SqsMessage {
            message_id: m.message_id.clone(),
            body: m.body.clone(),
            receive_count: m.receive_count,
        })
        .collect();
    let outcome = handler.handle_batch(&messages).await;
    queues.settle(&dispositions(&batch, &outcome), SystemClock.now_ms())?;
    Ok(batch.len())
}

/// Polls `queue` until `shutdown` turns true; the batch in progress is finished first.
pub async fn run_poller<H: SqsBatchHandler>(
    queues: Arc<Queues>,
    queue: String,
    handler: H,
    shutdown: CancellationToken,
) {
    let signal = queues.signal(&queue);
    while !shutdown.is_cancelled() {
        match poll_once(&queues, &queue, &handler).await {
            Ok(0) => {
                tokio::select! {
                    _ = signal.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL_INTERVAL) => {}
                    _ = shutdown.cancelled() => {}
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%queue, %error, "polling failed; retrying shortly");
                tokio::time::sleep(IDLE_POLL_INTERVAL).await;
            }
        }
    }
    tracing::debug!(%queue, "poller stopped");
}
