//! The ports of the tier workflow: the tier items, the external services it calls, and the durable-execution API
//! its trigger and acknowledger use. Adapters implement them (SQLite and durable-local locally, DynamoDB and the
//! Lambda API in AWS, HTTP clients for the services).

pub mod external_services;
pub mod tier_store;
pub mod workflow;

pub use external_services::{ExternalServiceError, OrderService, ProductSearch, ProductService};
pub use tier_store::{TierRecord, TierStore, TierStoreError};
pub use workflow::{CallbackOutcome, CallbackSender, StartOutcome, WorkflowError, WorkflowStarter};
