//! The `Activities` example of `workflow-macros/README.md`, compiled against the tier workflow: the lines between
//! the two markers below are the README's block (`tests/ui.rs` fails when they differ), so the example cannot drift
//! from the generated trait. The types are the README's own (`TierChange` without `from`, `Recommendations` with
//! `names`), where `tier-upgrade.workflow.yaml` names them.

mod tier_workflow {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct UpgradeRequest {
        pub user_id: String,
        pub total_points: u64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct TierAccount {
        pub user_id: String,
        pub tier: String,
        pub version: u64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct TierChange {
        pub has_changed: bool,
        pub to: String,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Products {
        pub names: Vec<String>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Recommendations {
        pub names: Vec<String>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct HistoryRequest {
        pub user_id: String,
    }

    impl From<&UpgradeRequest> for HistoryRequest {
        fn from(request: &UpgradeRequest) -> Self {
            Self {
                user_id: request.user_id.clone(),
            }
        }
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct OrderHistory {
        pub order_count: u32,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct SavedTier {
        pub tier: String,
        pub version: u64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Acknowledgement {
        pub acknowledged_by: String,
    }

    #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
    pub enum UpgradeOutcome {
        NoChange,
        Superseded,
        Upgraded,
        UpgradedUnacknowledged,
    }
}

workflow_runtime::workflow!("fixtures/tier-upgrade.workflow.yaml");

use tier_workflow::{Products, Recommendations, SavedTier, TierAccount, TierChange, UpgradeRequest};

struct TierActivities {
    gold_from: u64,
}

// README example: begin
impl tier_upgrade::Activities for TierActivities {
    async fn read_account(&self, input: &UpgradeRequest) -> Result<TierAccount, tier_upgrade::Error> {
        Ok(TierAccount { user_id: input.user_id.clone(), tier: "Silver".into(), version: 1 })
    }
    async fn evaluate_tier(&self, input: &UpgradeRequest, read_account: &TierAccount) -> Result<TierChange, tier_upgrade::Error> {
        let to = if input.total_points >= self.gold_from { "Gold" } else { read_account.tier.as_str() };
        Ok(TierChange { has_changed: to != read_account.tier, to: to.into() })
    }
    async fn list_products(&self) -> Result<Products, tier_upgrade::Error> {
        Ok(Products { names: vec!["lounge access".into()] })
    }
    async fn search_recommendations(&self, input: &UpgradeRequest, evaluate_tier: &TierChange) -> Result<Recommendations, tier_upgrade::Error> {
        Ok(Recommendations { names: vec![format!("{} offers for {}", evaluate_tier.to, input.user_id)] })
    }
    async fn upgrade_tier(&self, _input: &UpgradeRequest, read_account: &TierAccount, evaluate_tier: &TierChange) -> Result<SavedTier, tier_upgrade::Error> {
        Ok(SavedTier { tier: evaluate_tier.to.clone(), version: read_account.version + 1 })
    }
    // a callback submitter gets the callback id first
    async fn publish_tier_upgraded(&self, callback_id: &str, input: &UpgradeRequest, evaluate_tier: &TierChange, gather_context: &(Products, Recommendations)) -> Result<(), tier_upgrade::Error> {
        let (_products, recommendations) = gather_context;
        println!("{} is now {}, {} recommendations; answer {callback_id}", input.user_id, evaluate_tier.to, recommendations.names.len());
        Ok(())
    }
    async fn record_completion(&self, input: &UpgradeRequest, upgrade_tier: &SavedTier) -> Result<(), tier_upgrade::Error> {
        println!("{} saved as {} (version {})", input.user_id, upgrade_tier.tier, upgrade_tier.version);
        Ok(())
    }
}
// README example: end

fn main() {
    let _ = tier_upgrade::handler(TierActivities { gold_from: 1_500 }, tier_upgrade::Functions {
        fetch_order_history: workflow_runtime::FunctionTarget::Lambda("fetch-order-history".into()),
    });
}
