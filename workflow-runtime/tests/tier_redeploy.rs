//! A tier upgrade in flight when the workflow is redeployed: the execution is suspended in
//! `await-notification-ack` under `tier-upgrade.workflow.yaml`, and the acknowledgement is replayed by code
//! generated from an edited copy. `fixtures/tier-upgrade-compatible.workflow.yaml` changes settings only (the
//! callback timeout, the default retry, a comment): the execution finishes. `fixtures/tier-upgrade-breaking.
//! workflow.yaml` inserts a wait before `upgrade-tier`, which the execution recorded: it fails there, naming both
//! operations, before `record-completion` runs. The two copies are the tier file with these edits (checked here;
//! rewrite them with `WORKFLOW_BLESS=1 cargo test -p workflow-runtime --test tier_redeploy`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/domain.rs"]
mod domain;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use domain::{catalog, orders, tier, tier_workflow};

workflow_runtime::workflow!("../tier-upgrade.workflow.yaml");
workflow_runtime::workflow!("tests/fixtures/tier-upgrade-compatible.workflow.yaml");
workflow_runtime::workflow!("tests/fixtures/tier-upgrade-breaking.workflow.yaml");

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use support::scripted_activities::{
    CallLog, ScriptedActivities, acknowledgement, in_process_order_history, upgrade_request,
};
use tier::{SavedTier, TierAccount, TierChange, UpgradeOutcome, UpgradeRequest};
use tier_upgrade::Activities as _;

/// An edited copy of the tier file: its file name under `tests/fixtures`, and the edit.
type Edit = (&'static str, fn(&str) -> String);

/// The edited copies of the tier file.
fn edits() -> [Edit; 2] {
    [
        ("tier-upgrade-compatible.workflow.yaml", |tier| {
            replaced(
                tier,
                &[
                    (
                        "workflow: tier-upgrade\n",
                        "workflow: tier-upgrade-compatible\n",
                    ),
                    ("timeout: 5m", "timeout: 10m"),
                    ("{ attempts: 6, delay: 5s,", "{ attempts: 4, delay: 2s,"),
                    (
                        "  - record-completion:",
                        "  # Stamps the account.\n  - record-completion:",
                    ),
                ],
            )
        }),
        ("tier-upgrade-breaking.workflow.yaml", |tier| {
            replaced(
                tier,
                &[
                    (
                        "workflow: tier-upgrade\n",
                        "workflow: tier-upgrade-breaking\n",
                    ),
                    (
                        "  - upgrade-tier:",
                        "  - cool-down: { wait: 1m }\n\n  - upgrade-tier:",
                    ),
                ],
            )
        }),
    ]
}

/// `text` with each `(from, to)` replaced, each `from` present exactly once.
fn replaced(text: &str, edits: &[(&str, &str)]) -> String {
    edits.iter().fold(text.to_owned(), |text, (from, to)| {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur once in the tier file"
        );
        text.replace(from, to)
    })
}

#[test]
fn the_edited_copies_are_the_tier_file_with_their_edits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tier = std::fs::read_to_string(root.join("../tier-upgrade.workflow.yaml")).unwrap();
    for (fixture, edit) in edits() {
        let path = root.join("tests/fixtures").join(fixture);
        let expected = edit(&tier);
        if std::env::var_os("WORKFLOW_BLESS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            expected,
            "{fixture} is out of date; rewrite it with WORKFLOW_BLESS=1"
        );
    }
}

#[test]
fn workflow_diff_agrees_compatible_and_breaking_at_upgrade_tier() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |path: &str| {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        workflow_spec::load(&text, path).unwrap()
    };
    let tier = load("../tier-upgrade.workflow.yaml");
    let compatible = workflow_spec::diff(
        &tier,
        &load("tests/fixtures/tier-upgrade-compatible.workflow.yaml"),
    )
    .unwrap();
    assert!(
        compatible.unchanged && compatible.is_compatible(),
        "{compatible}"
    );
    let breaking = workflow_spec::diff(
        &tier,
        &load("tests/fixtures/tier-upgrade-breaking.workflow.yaml"),
    )
    .unwrap();
    assert!(!breaking.is_compatible());
    assert_eq!(breaking.breaks[0].recorded.id, "upgrade-tier", "{breaking}");
}

/// The tier activities (`ScriptedActivities`) behind another version's `Activities` trait: the same calls, the
/// errors carried over by kind name.
struct Redeployed(Arc<ScriptedActivities>);

macro_rules! redeployed {
    ($module:ident) => {
        impl $module::Activities for Redeployed {
            async fn read_account(
                &self,
                input: &UpgradeRequest,
            ) -> Result<TierAccount, $module::Error> {
                self.0.read_account(input).await.map_err(carried!($module))
            }
            async fn evaluate_tier(
                &self,
                input: &UpgradeRequest,
                account: &TierAccount,
            ) -> Result<TierChange, $module::Error> {
                self.0
                    .evaluate_tier(input, account)
                    .await
                    .map_err(carried!($module))
            }
            async fn list_products(&self) -> Result<catalog::Products, $module::Error> {
                self.0.list_products().await.map_err(carried!($module))
            }
            async fn search_recommendations(
                &self,
                input: &UpgradeRequest,
                change: &TierChange,
            ) -> Result<catalog::Recommendations, $module::Error> {
                self.0
                    .search_recommendations(input, change)
                    .await
                    .map_err(carried!($module))
            }
            async fn upgrade_tier(
                &self,
                input: &UpgradeRequest,
                account: &TierAccount,
                change: &TierChange,
            ) -> Result<SavedTier, $module::Error> {
                self.0
                    .upgrade_tier(input, account, change)
                    .await
                    .map_err(carried!($module))
            }
            async fn publish_tier_upgraded(
                &self,
                callback_id: &str,
                input: &UpgradeRequest,
                change: &TierChange,
                context: &(catalog::Products, catalog::Recommendations),
            ) -> Result<(), $module::Error> {
                self.0
                    .publish_tier_upgraded(callback_id, input, change, context)
                    .await
                    .map_err(carried!($module))
            }
            async fn record_completion(
                &self,
                input: &UpgradeRequest,
                saved: &SavedTier,
            ) -> Result<(), $module::Error> {
                self.0
                    .record_completion(input, saved)
                    .await
                    .map_err(carried!($module))
            }
        }
    };
}

/// Maps a `tier_upgrade::Error` to `$module::Error` of the same kind.
macro_rules! carried {
    ($module:ident) => {
        |error: tier_upgrade::Error| {
            let kind = match error.kind() {
                tier_upgrade::ErrorKind::Transient => $module::ErrorKind::Transient,
                tier_upgrade::ErrorKind::VersionConflict => $module::ErrorKind::VersionConflict,
            };
            $module::Error::new(kind, error.message())
        }
    };
}

redeployed!(tier_upgrade_compatible);
redeployed!(tier_upgrade_breaking);

/// Runs one upgrade: the first invocation (which suspends in `await-notification-ack`) under the tier file, the
/// later ones under `then`.
async fn run_redeployed(
    then: impl Fn(
        UpgradeRequest,
        aws_durable_execution_sdk::DurableContext,
    ) -> workflow_runtime::__private::HandlerFuture<UpgradeOutcome>
    + Send
    + Sync
    + 'static,
    log: &CallLog,
) -> TestResult<UpgradeOutcome> {
    let original = tier_upgrade::handler(
        ScriptedActivities::upgrading(log),
        tier_upgrade::Functions {
            fetch_order_history: in_process_order_history(log),
        },
    );
    let invocations = AtomicU32::new(0);
    let redeployed = move |request, ctx| {
        if invocations.fetch_add(1, Ordering::SeqCst) == 0 {
            original(request, ctx)
        } else {
            then(request, ctx)
        }
    };
    LocalRunner::new()
        .callback_success(&acknowledgement())
        .run(redeployed, upgrade_request())
        .await
}

const BEFORE_THE_CALLBACK: [&str; 7] = [
    "read_account",
    "evaluate_tier",
    "list_products",
    "search_recommendations",
    "fetch_order_history",
    "upgrade_tier",
    "publish_tier_upgraded",
];

#[tokio::test]
async fn an_upgrade_waiting_for_its_acknowledgement_finishes_under_a_compatible_edit() {
    let log = CallLog::default();
    let activities = Redeployed(Arc::new(ScriptedActivities::upgrading(&log)));
    let functions = tier_upgrade_compatible::Functions {
        fetch_order_history: in_process_order_history(&log),
    };
    let result = run_redeployed(
        tier_upgrade_compatible::handler(activities, functions),
        &log,
    )
    .await;
    assert_eq!(
        result.output(),
        Some(&UpgradeOutcome::Upgraded),
        "{:?}",
        result.error_message()
    );
    assert!(result.invocation_count() >= 2);
    let mut expected = BEFORE_THE_CALLBACK.to_vec();
    expected.push("record_completion");
    assert_eq!(log.calls(), expected);
}

#[tokio::test]
async fn an_upgrade_waiting_for_its_acknowledgement_fails_loudly_under_a_breaking_edit() {
    let log = CallLog::default();
    let activities = Redeployed(Arc::new(ScriptedActivities::upgrading(&log)));
    let functions = tier_upgrade_breaking::Functions {
        fetch_order_history: in_process_order_history(&log),
    };
    let result = run_redeployed(tier_upgrade_breaking::handler(activities, functions), &log).await;
    assert!(result.is_failure(), "{:?}", result.output());
    assert_eq!(result.error_type(), Some("NonDeterministicExecutionError"));
    let cool_down = tier_upgrade_breaking::OPERATIONS
        .iter()
        .find(|(id, _)| *id == "cool-down")
        .map(|(_, fingerprint)| format!("cool-down@{fingerprint}"))
        .unwrap();
    let message = result.error_message().unwrap_or_default();
    assert!(
        message.contains("expected Step/Step named \"upgrade-tier\"")
            && message.contains(&format!("got Wait/Wait named \"{cool_down}\"")),
        "{message}"
    );
    assert_eq!(log.calls(), BEFORE_THE_CALLBACK);
}
