//! Publishing onto the in-process bus, and the `FailedEntryCount` check every publisher shares.

use std::sync::Arc;

use crate::adapters::embedded::bus::{Bus, EntryResult, PutEventsEntry};
use crate::core::outgoing::OutgoingEvent;
use crate::ports::{Clock, EventPublisher, PublishError, SystemClock};

/// [`EventPublisher`] onto the in-process bus (the service's own events go through the same rules).
#[derive(Debug, Clone)]
pub struct BusPublisher {
    bus: Arc<Bus>,
}

impl BusPublisher {
    /// Publishes onto `bus`.
    pub fn new(bus: Arc<Bus>) -> Self {
        Self { bus }
    }
}

impl EventPublisher for BusPublisher {
    async fn publish(&self, events: &[OutgoingEvent]) -> Result<(), PublishError> {
        let entries: Vec<PutEventsEntry> = events
            .iter()
            .map(|e| PutEventsEntry {
                source: Some(e.source.clone()),
                detail_type: Some(e.detail_type.clone()),
                detail: Some(e.detail.clone()),
                event_bus_name: Some(self.bus.topology().bus_name.clone()),
                resources: Vec::new(),
                time_ms: None,
            })
            .collect();
        let results = self
            .bus
            .put_events(&entries, SystemClock.now_ms())
            .map_err(|e| PublishError::Unavailable(e.to_string()))?;
        rejected_entries(&results)
    }

    /// The in-process bus has no per-call limit: one transaction for a whole stream pass is much cheaper.
    fn max_entries_per_call(&self) -> usize {
        1000
    }
}

/// `Ok` when every entry was accepted, [`PublishError::EntriesRejected`] otherwise (the `FailedEntryCount` check).
pub fn rejected_entries(results: &[EntryResult]) -> Result<(), PublishError> {
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| match r {
            EntryResult::Failed {
                error_code,
                error_message,
            } => Some(format!("{error_code}: {error_message}")),
            EntryResult::Accepted { .. } => None,
        })
        .collect();
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(PublishError::EntriesRejected {
            failed: failures.len(),
            total: results.len(),
            first_error: first.clone(),
        }),
    }
}
