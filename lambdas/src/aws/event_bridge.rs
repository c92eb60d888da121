//! [`EventPublisher`] on EventBridge `PutEvents`: at most 10 entries per call, and `FailedEntryCount > 0` is a
//! failure (behaviour F9), never swallowed.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::aws::error::{Failure, classify};
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::ports::{EventPublisher, PublishError};

/// The most entries one `PutEvents` call may carry.
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// Puts events on one bus. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
}

impl EventBridgePublisher {
    /// A publisher on `bus_name` (`EVENT_BUS_NAME`) through `client`.
    pub fn new(client: Client, bus_name: &str) -> Self {
        Self {
            client,
            bus_name: bus_name.to_owned(),
        }
    }

    async fn put(&self, events: &[OutgoingEvent]) -> Result<(), PublishError> {
        let entries = events
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus_name)
                    .source(&e.source)
                    .detail_type(&e.detail_type)
                    .detail(&e.detail)
                    .build()
            })
            .collect();
        let output = self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| match classify(&e) {
                Failure::Transient(reason) => PublishError::Unavailable(reason),
                Failure::Service { code, message } => {
                    PublishError::Unavailable(format!("{code}: {message}"))
                }
            })?;
        let failed = usize::try_from(output.failed_entry_count()).unwrap_or(0);
        if failed == 0 {
            return Ok(());
        }
        let first_error = output
            .entries()
            .iter()
            .find(|entry| entry.error_code().is_some())
            .map(|entry| {
                format!(
                    "{}: {}",
                    entry.error_code().unwrap_or_default(),
                    entry.error_message().unwrap_or_default()
                )
            })
            .unwrap_or_else(|| "no entry carries an error code".into());
        Err(PublishError::EntriesRejected {
            failed,
            total: events.len(),
            first_error,
        })
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: &[OutgoingEvent]) -> Result<(), PublishError> {
        for chunk in events.chunks(MAX_ENTRIES_PER_CALL) {
            self.put(chunk).await?;
        }
        Ok(())
    }

    fn max_entries_per_call(&self) -> usize {
        MAX_ENTRIES_PER_CALL
    }
}
