//! Accounts with their idempotency records, written atomically with every balance change.

use std::future::Future;

use crate::core::account::{Account, BalanceChange};
use crate::core::credit::CreditKey;

/// Failures of an [`AccountStore`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The conditional write lost: the account's version moved, or the idempotency record appeared meanwhile.
    #[error("concurrent modification detected for user {0}")]
    Conflict(String),
    /// The backend is temporarily unavailable (busy, throttled); retrying later can succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Any other backend failure.
    #[error("store failure: {0}")]
    Backend(String),
}

/// The response of a spend made with an `Idempotency-Key` (behaviour F4), kept for 24 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendReceipt {
    /// The key as the client sent it.
    pub idempotency_key: String,
    /// The amount the first request asked for (a reuse with another amount is refused).
    pub points_requested: i64,
    /// The balance the first response reported.
    pub points_after: i64,
    /// When the receipt stops counting, epoch ms.
    pub expires_at_ms: i64,
}

/// What is written in the same transaction as a balance change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeReason {
    /// A credit: its idempotency record `CREDIT#<user>#<key>` with a TTL (behaviour F6).
    Credit {
        /// What is credited.
        key: CreditKey,
        /// When the record expires, epoch ms.
        expires_at_ms: i64,
    },
    /// A spend, with its receipt when the request had an `Idempotency-Key`.
    Spend {
        /// The receipt to keep.
        receipt: Option<SpendReceipt>,
    },
}

/// The account table.
pub trait AccountStore: Send + Sync {
    /// A strongly consistent read of the account (behaviour F7): `None` when it does not exist.
    fn load_account(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// Whether an unexpired idempotency record exists for this credit.
    fn credit_recorded(
        &self,
        user_id: &str,
        key: &CreditKey,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The unexpired receipt of a spend made with this `Idempotency-Key`.
    fn spend_receipt(
        &self,
        user_id: &str,
        idempotency_key: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<Option<SpendReceipt>, StoreError>> + Send;

    /// Writes `change` if the account still has `change.expected_version`, together with the reason's record and a
    /// change record for the change stream, all or nothing. [`StoreError::Conflict`] when the condition fails or the
    /// record already exists.
    fn commit_change(
        &self,
        change: &BalanceChange,
        reason: &ChangeReason,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes several changes (each with its reason and change record) atomically: all or none. Used to apply a
    /// batch of credits in one transaction (DynamoDB: `TransactWriteItems`).
    fn commit_changes(
        &self,
        changes: &[(BalanceChange, ChangeReason)],
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
