//! The tier upgrade workflow end to end: the activities behind the generated orchestrator, the
//! `fetch-order-history` function, the trigger and the acknowledger, and their embedded assembly on durable-local.

pub mod activities;
pub mod config;
pub mod embedded;
pub mod fetch_order_history;
