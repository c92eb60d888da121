//! The committed snapshot of the generated tier orchestrator compiles as ordinary Rust, without a warning.
#![deny(warnings)]

#[path = "../../support/domain.rs"]
mod domain;

use domain::{catalog, orders, tier, tier_workflow};

include!("../../snapshots/tier_upgrade.rs");

fn main() {
    assert_eq!(tier_upgrade::WORKFLOW, "tier-upgrade");
    let _ = (
        catalog::Products { names: vec![] },
        orders::HistoryRequest {
            user_id: String::new(),
        },
    );
    let _ = tier::UpgradeOutcome::Upgraded;
}
