//! The tier upgrade workflow in one place: the types `tier-upgrade.workflow.yaml` names
//! (`crate::tier_workflow::*`), the orchestrator generated from it, the activities behind it, the
//! `fetch-order-history` function, the configuration, and the two queue consumers that feed it (the trigger and
//! the acknowledger). Where it runs (durable-local or Lambda) is the deployment crates' business.

pub mod activities;
pub mod catalog;
pub mod config;
pub mod fetch_order_history;
pub mod orchestrator;
pub mod orders;
pub mod ports;
pub mod queue_handlers;
pub mod tier;
pub mod tier_upgraded;
mod types;

pub use catalog::{Products, Recommendations};
pub use orders::{HistoryRequest, OrderHistory};
pub use types::*;
