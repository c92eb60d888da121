//! The in-process EventBridge bus: the [`Bus`] (rules, queues, archive) over the SQLite file, its `PutEvents`
//! endpoint (optionally locked by SigV4 signatures), a publisher for the change stream, a `PutEvents` client, and the wire protocol they share.

pub mod client;
pub mod endpoint;
pub mod event_bus;
pub mod publisher;
pub mod sigv4;
pub mod wire;

pub use client::EventBridgeClient;
pub use endpoint::put_events_routes;
pub use event_bus::{Bus, LOCAL_ACCOUNT, LOCAL_REGION};
pub use publisher::BusPublisher;
pub use wire::{EntryResult, PutEventsEntry};
