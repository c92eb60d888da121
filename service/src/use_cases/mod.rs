//! The operations of the service, written once over the ports: the HTTP router, the event handlers and (later) the
//! Lambda binaries call these.

pub mod credit_batch;
pub mod credit_points;
pub mod error;
pub mod get_account;
pub mod publish_change;
pub mod retry;
pub mod spend_points;

pub use credit_batch::credit_points_batch;
pub use credit_points::{CreditOutcome, credit_points};
pub use error::LoyaltyError;
pub use get_account::get_account;
pub use publish_change::publish_balance_change;
pub use spend_points::{SpendOutcome, SpendRequest, spend_points};
