//! The use-case layer's error type; transports map it to their responses.

use crate::core::account::Account;
use crate::ports::{PublishError, StoreError};

/// Why a use-case did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoyaltyError {
    /// The account does not exist.
    #[error("Not found")]
    NotFound,
    /// The balance is lower than the spend.
    #[error("You don't have enough points")]
    InsufficientPoints {
        /// The unchanged account.
        current: Account,
    },
    /// Every optimistic-lock attempt lost.
    #[error("Concurrent modification conflict after retries")]
    ConflictAfterRetries,
    /// The `Idempotency-Key` was used before for a different amount.
    #[error("Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Publishing failed.
    #[error(transparent)]
    Publish(#[from] PublishError),
}
