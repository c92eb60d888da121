//! Runtime support for the typed durable orchestrators that `workflow!` generates from a
//! `*.workflow.yaml` spec.
//!
//! This is the only crate of the workflow compiler that depends on the official
//! `aws-durable-execution-sdk`; generated code reaches it through the absolute paths of
//! [`__private`], so a user crate depends on `workflow-runtime` alone.
//!
//! What lives here, once, instead of in every expansion:
//! - [`ActivityError`]: the error an activity returns, tagged with one of the spec's declared kinds;
//! - [`RetryPolicy`]: a spec `retry` block turned into an SDK retry strategy that only retries the
//!   listed kinds;
//! - the spec-hash check recorded as the first durable operation ([`SpecHashMismatch`]);
//! - [`FunctionTarget`]: where an `invoke` step sends its input;
//! - for `map` steps (in [`__private`]): the list checked against the `item` type, the batches,
//!   and the built-in `TooManyFailures` kind of a map whose elements failed more often than tolerated.
//! - for `poll` steps (in [`__private`]): the check repeated on the SDK's wait-for-condition with the
//!   state each check checkpoints, the `done` field checked to be a `bool`, and the built-in
//!   `PollTimeout` kind of a poll not done within its `max-attempts` or `deadline`.
//!
//! # Example
//!
//! The repository's `tier-upgrade.workflow.yaml` (in the directory above this crate's
//! `Cargo.toml`) compiled into `mod tier_upgrade`, its `Activities` implemented in memory, and
//! one upgrade run to completion under the SDK's `LocalRunner`, the invoke target in process and
//! the callback answered; the Lambda entry point and the embedded-host service are compiled too.
//! The Rust blocks of the `workflow-macros` README are excerpts of this example.
//!
//! ```
//! use aws_durable_execution_sdk::test_util::LocalRunner;
//! use workflow_runtime::FunctionTarget;
//!
//! // The types the spec names; they are checkpointed, so they are `Serialize + Deserialize`.
//! mod tier_workflow {
//!     use serde::{Deserialize, Serialize};
//!
//!     #[derive(Serialize, Deserialize)]
//!     pub struct UpgradeRequest { pub user_id: String, pub total_points: u64 }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct TierAccount { pub user_id: String, pub tier: String, pub version: u64 }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct TierChange { pub has_changed: bool, pub to: String }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct Products { pub names: Vec<String> }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct Recommendations { pub names: Vec<String> }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct HistoryRequest { pub user_id: String }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct OrderHistory { pub order_count: u32 }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct SavedTier { pub tier: String, pub version: u64 }
//!     #[derive(Serialize, Deserialize)]
//!     pub struct Acknowledgement { pub acknowledged_by: String }
//!     #[derive(Debug, PartialEq, Serialize, Deserialize)]
//!     pub enum UpgradeOutcome { NoChange, Superseded, Upgraded, UpgradedUnacknowledged }
//!
//!     // The payload of the `fetch-order-history` invoke, built from its one read (`input`).
//!     impl From<&UpgradeRequest> for HistoryRequest {
//!         fn from(request: &UpgradeRequest) -> Self {
//!             Self { user_id: request.user_id.clone() }
//!         }
//!     }
//! }
//! use tier_workflow::{
//!     Acknowledgement, HistoryRequest, OrderHistory, Products, Recommendations, SavedTier,
//!     TierAccount, TierChange, UpgradeOutcome, UpgradeRequest,
//! };
//!
//! // In the crate that owns the types the spec names (`crate::tier_workflow::UpgradeRequest`, ...):
//! workflow_runtime::workflow!("../tier-upgrade.workflow.yaml"); // relative to this crate's Cargo.toml
//!
//! /// Every member starts on Silver and is Gold from `gold_from` points.
//! struct TierActivities {
//!     gold_from: u64,
//! }
//!
//! impl tier_upgrade::Activities for TierActivities {
//!     async fn read_account(&self, input: &UpgradeRequest) -> Result<TierAccount, tier_upgrade::Error> {
//!         Ok(TierAccount { user_id: input.user_id.clone(), tier: "Silver".into(), version: 1 })
//!     }
//!     async fn evaluate_tier(&self, input: &UpgradeRequest, read_account: &TierAccount) -> Result<TierChange, tier_upgrade::Error> {
//!         let to = if input.total_points >= self.gold_from { "Gold" } else { read_account.tier.as_str() };
//!         Ok(TierChange { has_changed: to != read_account.tier, to: to.into() })
//!     }
//!     async fn list_products(&self) -> Result<Products, tier_upgrade::Error> {
//!         Ok(Products { names: vec!["lounge access".into()] })
//!     }
//!     async fn search_recommendations(&self, input: &UpgradeRequest, evaluate_tier: &TierChange) -> Result<Recommendations, tier_upgrade::Error> {
//!         Ok(Recommendations { names: vec![format!("{} offers for {}", evaluate_tier.to, input.user_id)] })
//!     }
//!     async fn upgrade_tier(&self, _input: &UpgradeRequest, read_account: &TierAccount, evaluate_tier: &TierChange) -> Result<SavedTier, tier_upgrade::Error> {
//!         Ok(SavedTier { tier: evaluate_tier.to.clone(), version: read_account.version + 1 })
//!     }
//!     // a callback submitter gets the callback id first
//!     async fn publish_tier_upgraded(&self, callback_id: &str, input: &UpgradeRequest, evaluate_tier: &TierChange, gather_context: &(Products, Recommendations)) -> Result<(), tier_upgrade::Error> {
//!         let (_products, recommendations) = gather_context;
//!         println!("{} is now {}, {} recommendations; answer {callback_id}", input.user_id, evaluate_tier.to, recommendations.names.len());
//!         Ok(())
//!     }
//!     async fn record_completion(&self, input: &UpgradeRequest, upgrade_tier: &SavedTier) -> Result<(), tier_upgrade::Error> {
//!         println!("{} saved as {} (version {})", input.user_id, upgrade_tier.tier, upgrade_tier.version);
//!         Ok(())
//!     }
//! }
//!
//! async fn lambda_main() -> Result<(), aws_durable_execution_sdk::lambda_runtime::Error> {
//!     // AWS Lambda (durable function):
//!     let functions = tier_upgrade::Functions::from_env()?;
//!     aws_durable_execution_sdk::run(tier_upgrade::handler(TierActivities { gold_from: 1_000 }, functions)).await?;
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     // An embedded host such as durable-local: register the service function under the function name;
//!     // register the chained-invoke target (FETCH_ORDER_HISTORY_ACTIVITY_ARN) as a plain function.
//!     let activities = TierActivities { gold_from: 1_000 };
//!     let functions = tier_upgrade::Functions { fetch_order_history: FunctionTarget::Lambda("fetch-order-history".into()) };
//!     let options = aws_durable_execution_sdk::Options::default();
//!     let service = aws_durable_execution_sdk::wrap(tier_upgrade::handler(activities, functions), options);
//!
//!     // Tests: the SDK's LocalRunner (feature `test-util`).
//!     let test_activities = TierActivities { gold_from: 1_000 };
//!     let functions = tier_upgrade::Functions {
//!         fetch_order_history: FunctionTarget::in_process(|request: HistoryRequest| async move { Ok(OrderHistory { order_count: 3 }) }),
//!     };
//!     let ack = Acknowledgement { acknowledged_by: "notifications".into() };
//!     let request = UpgradeRequest { user_id: "member-1".into(), total_points: 1_200 };
//!     let result = LocalRunner::new().callback_success(&ack).run(tier_upgrade::handler(test_activities, functions), request).await;
//!     assert_eq!(result.output(), Some(&UpgradeOutcome::Upgraded));
//! #
//! #   // The Rust blocks of workflow-macros/README.md are excerpts: each of their lines is a line of this example.
//! #   let example: Vec<&str> = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
//! #       .lines()
//! #       .filter_map(|line| line.strip_prefix("//!"))
//! #       .map(str::trim)
//! #       .collect();
//! #   let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../workflow-macros/README.md"));
//! #   let blocks: Vec<&str> = readme.split("```rust\n").skip(1).map(|block| block.split("```").next().unwrap()).collect();
//! #   assert_eq!(blocks.len(), 3, "workflow-macros/README.md has three Rust blocks");
//! #   for line in blocks.iter().flat_map(|block| block.lines()).map(str::trim).filter(|line| !line.is_empty()) {
//! #       assert!(example.contains(&line), "workflow-macros/README.md: `{line}` is not a line of the example in workflow-runtime/src/lib.rs");
//! #   }
//! }
//! ```
#![warn(missing_docs)]

mod activity_error;
mod error_kind;
pub mod fake;
mod function_target;
mod group;
mod poll;
mod replay;
mod retry;
mod workflow_failed;

pub mod __private;

/// `workflow!("file.workflow.yaml")`: generates `pub mod <workflow>` from the spec (path relative
/// to the crate's `Cargo.toml` directory).
pub use workflow_macros::workflow;

pub use activity_error::{ActivityError, DeclaredErrorKind};
pub use function_target::{FunctionTarget, InProcessFunction, MissingFunctionConfig};
pub use poll::{PollCheckFailed, PollPolicy, PollTimedOut};
pub use replay::{SPEC_HASH_OPERATION, SpecHashMismatch};
pub use retry::{Jitter, RetryPolicy};
pub use workflow_failed::WorkflowFailed;
