//! The tier workflow plugged into the durable SDK's Lambda entry point, as a deployment would.

#[path = "../../support/domain.rs"]
mod domain;

use domain::catalog::{Products, Recommendations};
use domain::tier::{SavedTier, TierAccount, TierChange, UpgradeRequest};
use domain::{catalog, orders, tier, tier_workflow};

workflow_runtime::workflow!("fixtures/tier-upgrade.workflow.yaml");

use tier_upgrade::{Activities, Error, ErrorKind};

struct Unreachable;

impl Activities for Unreachable {
    async fn read_account(&self, _input: &UpgradeRequest) -> Result<TierAccount, Error> {
        Err(Error::new(ErrorKind::Transient, "no store in this example"))
    }
    async fn evaluate_tier(
        &self,
        _: &UpgradeRequest,
        _: &TierAccount,
    ) -> Result<TierChange, Error> {
        Err(Error::new(ErrorKind::Transient, "no store in this example"))
    }
    async fn list_products(&self) -> Result<Products, Error> {
        Ok(Products { names: vec![] })
    }
    async fn search_recommendations(
        &self,
        _: &UpgradeRequest,
        _: &TierChange,
    ) -> Result<Recommendations, Error> {
        Ok(Recommendations {
            answer: String::new(),
        })
    }
    async fn upgrade_tier(
        &self,
        _: &UpgradeRequest,
        _: &TierAccount,
        _: &TierChange,
    ) -> Result<SavedTier, Error> {
        Err(Error::new(ErrorKind::VersionConflict, "stale"))
    }
    async fn publish_tier_upgraded(
        &self,
        _callback_id: &str,
        _: &UpgradeRequest,
        _: &TierChange,
        _: &(Products, Recommendations),
    ) -> Result<(), Error> {
        Ok(())
    }
    async fn record_completion(&self, _: &UpgradeRequest, _: &SavedTier) -> Result<(), Error> {
        Ok(())
    }
}

#[allow(dead_code)]
async fn lambda_main() -> Result<(), aws_durable_execution_sdk::lambda_runtime::Error> {
    let functions = tier_upgrade::Functions::from_env()?;
    aws_durable_execution_sdk::run(tier_upgrade::handler(Unreachable, functions)).await
}

fn main() {
    let _ = (
        orders::HistoryRequest {
            user_id: String::new(),
        },
        tier::UpgradeOutcome::NoChange,
        catalog::Products { names: vec![] },
    );
}
