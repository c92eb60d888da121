//! Publishing events to the bus (EventBridge `PutEvents` or the in-process bus).

use std::future::Future;

use crate::core::outgoing::OutgoingEvent;

/// Failures of an [`EventPublisher`]. Never swallowed: the change stream retries the record (behaviour F9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The bus answered, but refused some entries (`FailedEntryCount > 0`).
    #[error("{failed} of {total} entries were rejected: {first_error}")]
    EntriesRejected {
        /// How many entries failed.
        failed: usize,
        /// How many were sent.
        total: usize,
        /// The first entry's `ErrorCode: ErrorMessage`.
        first_error: String,
    },
    /// The bus could not be reached or answered with an error.
    #[error("publish failed: {0}")]
    Unavailable(String),
}

/// Puts events on the bus, all entries in one call.
pub trait EventPublisher: Send + Sync {
    /// Publishes `events`; `Ok` only when every entry was accepted.
    fn publish(
        &self,
        events: &[OutgoingEvent],
    ) -> impl Future<Output = Result<(), PublishError>> + Send;

    /// The most entries one call may carry (EventBridge: 10).
    fn max_entries_per_call(&self) -> usize {
        10
    }
}
