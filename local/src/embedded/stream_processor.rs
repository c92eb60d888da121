//! Reads the outbox in order and publishes each change (behaviour F8); a failed publish is retried with backoff, and
//! after [`MAX_PUBLISH_ATTEMPTS`] the record goes to the failure destination with the reason (behaviour F9). Records
//! behind a failing one wait, as in a stream shard, so events stay in order.

use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use tokio::sync::Notify;

use crate::embedded::error::EmbeddedError;
use crate::embedded::outbox::{Outbox, OutboxRecord};
use loyalty_service::handlers::change_stream::{StreamRecord, handle_stream_batch};
use loyalty_service::ports::{Clock, EventPublisher, SystemClock};

/// Publish attempts per record before it goes to the failure destination (1 + 2 retries, as the CDK mapping).
pub const MAX_PUBLISH_ATTEMPTS: i64 = 3;
/// Records per pass.
pub const STREAM_BATCH_SIZE: usize = 100;
const IDLE_INTERVAL: Duration = Duration::from_millis(200);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Records published and removed.
    pub published: usize,
    /// Records whose publish failed and will be retried.
    pub retrying: usize,
    /// Records moved to the failure destination.
    pub failed: usize,
}

/// The change stream processor.
#[derive(Debug)]
pub struct StreamProcessor<P> {
    outbox: Outbox,
    publisher: P,
    env: String,
    failure_queue: String,
    signal: Arc<Notify>,
    retry_base: Duration,
}

impl<P: EventPublisher> StreamProcessor<P> {
    /// A processor publishing `outbox` records with `publisher`; `signal` is notified by the account store.
    pub fn new(
        outbox: Outbox,
        publisher: P,
        env: &str,
        failure_queue: &str,
        signal: Arc<Notify>,
    ) -> Self {
        Self {
            outbox,
            publisher,
            env: env.to_owned(),
            failure_queue: failure_queue.to_owned(),
            signal,
            retry_base: Duration::from_millis(500),
        }
    }

    /// Sets the first retry delay (doubled per attempt).
    pub fn with_retry_base(mut self, retry_base: Duration) -> Self {
        self.retry_base = retry_base;
        self
    }

    fn retry_at(&self, attempts_after: i64, now_ms: i64) -> i64 {
        let base = i64::try_from(self.retry_base.as_millis()).unwrap_or(i64::MAX);
        now_ms.saturating_add(base.saturating_mul(1 << attempts_after.clamp(0, 10)))
    }

    /// Processes the due records once, in order, stopping at a record that is not due yet or fails.
    pub async fn process_pass(&self) -> Result<PassReport, EmbeddedError> {
        let now_ms = SystemClock.now_ms();
        let due: Vec<OutboxRecord> = self
            .outbox
            .pending(STREAM_BATCH_SIZE)?
            .into_iter()
            .take_while(|r| r.next_attempt_at_ms <= now_ms)
            .collect();
        let mut report = PassReport::default();
        if due.is_empty() {
            return Ok(report);
        }
        let records: Vec<StreamRecord> = due
            .iter()
            .map(|r| StreamRecord {
                sequence_number: r.seq.to_string(),
                change: r.change.clone(),
            })
            .collect();
        let outcome = handle_stream_batch(&self.publisher, &SystemClock, &self.env, &records).await;
        let first_failure = outcome.failures.first();
        let published: Vec<i64> = match first_failure {
            None => due.iter().map(|r| r.seq).collect(),
            Some(failure) => due
                .iter()
                .take_while(|r| r.seq.to_string() != failure.item_identifier)
                .map(|r| r.seq)
                .collect(),
        };
        self.outbox.acknowledge(&published)?;
        report.published = published.len();
        if let (Some(failure), Some(record)) = (first_failure, due.get(published.len())) {
            let attempts_after = record.attempts + 1;
            if attempts_after >= MAX_PUBLISH_ATTEMPTS {
                let reason = format!("publish failed {attempts_after} times: {}", failure.reason);
                tracing::error!(seq = record.seq, %reason, queue = %self.failure_queue, "change record sent to the failure destination");
                self.outbox.move_to_failure_destination(
                    record,
                    &self.failure_queue,
                    &reason,
                    now_ms,
                )?;
                report.failed = 1;
            } else {
                self.outbox.record_failure(
                    record.seq,
                    &failure.reason,
                    self.retry_at(attempts_after - 1, now_ms),
                )?;
                report.retrying = 1;
            }
        }
        Ok(report)
    }

    /// Runs until `shutdown` turns true, then returns after the pass in progress.
    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.process_pass().await {
                Ok(report) if report.published > 0 && report.retrying == 0 => continue,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "change stream pass failed; retrying shortly")
                }
            }
            tokio::select! {
                _ = self.signal.notified() => {}
                _ = tokio::time::sleep(IDLE_INTERVAL) => {}
                _ = shutdown.cancelled() => {}
            }
        }
        tracing::debug!("change stream processor stopped");
    }
}
