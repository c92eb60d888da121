//! The traits the use-cases need; adapters implement them (SQLite and the in-process bus locally, DynamoDB and
//! EventBridge in AWS). The tier workflow's own ports are in `tier_workflow::ports`.

pub mod account_store;
pub mod clock;
pub mod event_publisher;

pub use account_store::{AccountStore, ChangeReason, SpendReceipt, StoreError};
pub use clock::{Clock, SystemClock};
pub use event_publisher::{EventPublisher, PublishError};
