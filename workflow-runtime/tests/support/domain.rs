//! The data types the tier workflow spec names (`crate::tier::...`, `crate::catalog::...`,
//! `crate::orders::...`), as test doubles.

pub mod tier {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct UpgradeRequest {
        pub user_id: String,
        pub total_points: u64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct TierAccount {
        pub user_id: String,
        pub tier: String,
        pub version: u64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct TierChange {
        pub has_changed: bool,
        pub from: String,
        pub to: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SavedTier {
        pub tier: String,
        pub version: u64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Acknowledgement {
        pub acknowledged_by: String,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum UpgradeOutcome {
        NoChange,
        Superseded,
        Upgraded,
        UpgradedUnacknowledged,
    }
}

pub mod catalog {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Products {
        pub names: Vec<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Recommendations {
        pub answer: String,
    }
}

pub mod orders {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct HistoryRequest {
        pub user_id: String,
    }

    impl From<&crate::tier::UpgradeRequest> for HistoryRequest {
        fn from(request: &crate::tier::UpgradeRequest) -> Self {
            Self {
                user_id: request.user_id.clone(),
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrderHistory {
        pub order_count: u32,
    }
}

/// The types where `tier-upgrade.workflow.yaml` names them (`crate::tier_workflow::*`).
pub mod tier_workflow {
    pub use super::catalog::*;
    pub use super::orders::*;
    pub use super::tier::*;
}
