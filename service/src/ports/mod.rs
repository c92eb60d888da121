//! The traits the use-cases need; adapters implement them (SQLite and the in-process bus locally, DynamoDB and
//! EventBridge in AWS).

pub mod account_store;
pub mod clock;
pub mod event_publisher;
pub mod external_services;
pub mod tier_store;
pub mod workflow;

pub use account_store::{AccountStore, ChangeReason, SpendReceipt, StoreError};
pub use clock::{Clock, SystemClock};
pub use event_publisher::{EventPublisher, PublishError};
pub use external_services::{ExternalServiceError, OrderService, ProductSearch, ProductService};
pub use tier_store::{TierRecord, TierStore, TierStoreError};
pub use workflow::{CallbackOutcome, CallbackSender, StartOutcome, WorkflowError, WorkflowStarter};
