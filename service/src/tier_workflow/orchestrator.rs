//! The tier upgrade orchestrator, generated at compile time from `tier-upgrade.workflow.yaml`.
//!
//! `tier_upgrade::Activities` is implemented by `TierActivities` (in `activities`);
//! `tier_upgrade::handler` is the durable handler.
#![allow(missing_docs)]

workflow_runtime::workflow!("../tier-upgrade.workflow.yaml");
