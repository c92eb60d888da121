//! The tier items (behaviour keep-dynamodb): one per user, written only on upgrades, optimistic locking on
//! `TierVersion`.

use std::future::Future;

use crate::tier_workflow::tier::Tier;

/// Failures of a [`TierStore`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierStoreError {
    /// The stored `TierVersion` is not the expected one: another execution saved first (behaviour F11).
    #[error("tier of user {user_id} is at version {actual}, expected {expected}")]
    VersionConflict {
        /// The user.
        user_id: String,
        /// The version the writer read.
        expected: i64,
        /// The version stored now.
        actual: i64,
    },
    /// The backend failed; retrying can succeed.
    #[error("tier store failure: {0}")]
    Backend(String),
}

/// A tier item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRecord {
    /// `UserId`.
    pub user_id: String,
    /// `Tier`.
    pub tier: Tier,
    /// `PointsAtUpgrade`.
    pub points_at_upgrade: i64,
    /// `UpgradedAt`, ISO-8601 UTC with milliseconds.
    pub upgraded_at: String,
    /// `TierVersion`.
    pub version: i64,
    /// `NotifiedAt`, set by `record-completion`.
    pub notified_at: Option<String>,
}

/// The tier table.
pub trait TierStore: Send + Sync {
    /// A strongly consistent read of the user's tier item.
    fn load_tier(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Option<TierRecord>, TierStoreError>> + Send;

    /// Replaces the item with `tier` at version `expected_version + 1`, `NotifiedAt` removed, if the stored
    /// version is still `expected_version` (0: no item). [`TierStoreError::VersionConflict`] otherwise.
    fn save_tier(
        &self,
        user_id: &str,
        tier: Tier,
        points_at_upgrade: i64,
        expected_version: i64,
        upgraded_at: &str,
    ) -> impl Future<Output = Result<TierRecord, TierStoreError>> + Send;

    /// Sets `NotifiedAt` on the item if it is still at `version` (the one the acknowledged execution saved): a
    /// late acknowledgement never stamps an item a newer execution saved (behaviour F14). No stub is created for a
    /// missing item. `true` if the item was stamped.
    fn record_notified(
        &self,
        user_id: &str,
        version: i64,
        notified_at: &str,
    ) -> impl Future<Output = Result<bool, TierStoreError>> + Send;
}
