//! Publishing onto the in-process bus, and the `FailedEntryCount` check every publisher shares.

use std::sync::Arc;

use crate::bus::event_bus::Bus;
use crate::bus::wire::{PutEventsEntry, rejected_entries};
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::ports::{Clock, EventPublisher, PublishError, SystemClock};

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
