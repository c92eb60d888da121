//! The tier workflow's data types (`crate::tier_workflow::*` in `tier-upgrade.workflow.yaml`).
//!
//! JSON field names follow the original's camelCase payloads (`{"userId", "totalPoints"}`).

use serde::{Deserialize, Serialize};

pub use crate::tier_workflow::tier::Tier;

/// The orchestrator's input: the user and the `totalPoints` of the triggering `pointsAdded.v2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRequest {
    /// The user.
    pub user_id: String,
    /// The balance the triggering event reported (the tier is evaluated on it, behaviour keep-tiers).
    pub total_points: i64,
}

/// `read-account`: the user's stored tier (Bronze and version 0 when there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierAccount {
    /// The user.
    pub user_id: String,
    /// The stored tier.
    pub tier: Tier,
    /// `TierVersion`: 0 when no tier item exists.
    pub version: i64,
}

/// `evaluate-tier`: the upgrade the points reach, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierChange {
    /// True only for an upgrade.
    pub has_changed: bool,
    /// The stored tier.
    pub previous_tier: Tier,
    /// The tier the points reach (never below `previous_tier`).
    pub new_tier: Tier,
}

/// `upgrade-tier`: the tier item as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedTier {
    /// The new tier.
    pub tier: Tier,
    /// The new `TierVersion`.
    pub version: i64,
    /// `UpgradedAt`, ISO-8601 UTC with milliseconds.
    pub upgraded_at: String,
}

/// The result the acknowledger completes the callback with (`{"acknowledgedAt": ISO}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Acknowledgement {
    /// When the notification was acknowledged.
    pub acknowledged_at: String,
}

/// How an execution of the tier workflow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpgradeOutcome {
    /// The points do not reach a higher tier; nothing was written or published.
    NoChange,
    /// Another execution saved a newer tier first (behaviour F11).
    Superseded,
    /// Upgraded, published and acknowledged; `NotifiedAt` is set.
    Upgraded,
    /// Upgraded and published, but not acknowledged within 5 minutes (behaviour F14): `NotifiedAt` stays unset.
    UpgradedUnacknowledged,
}
