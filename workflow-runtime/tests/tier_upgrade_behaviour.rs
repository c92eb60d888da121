//! The orchestrator generated from `tier-upgrade.workflow.yaml` under the SDK's `LocalRunner`:
//! every replay is a real re-invocation of the handler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/domain.rs"]
mod domain;
mod support;

use domain::{catalog, orders, tier, tier_workflow};

workflow_runtime::workflow!("../tier-upgrade.workflow.yaml");

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use support::scripted_activities::{
    CallLog, ScriptedActivities, UpgradeAnswer, acknowledgement, in_process_order_history,
    upgrade_request,
};
use tier::UpgradeOutcome;

fn functions(log: &CallLog) -> tier_upgrade::Functions {
    tier_upgrade::Functions {
        fetch_order_history: in_process_order_history(log),
    }
}

async fn run(
    runner: LocalRunner,
    activities: ScriptedActivities,
    log: &CallLog,
) -> TestResult<UpgradeOutcome> {
    runner
        .run(
            tier_upgrade::handler(activities, functions(log)),
            upgrade_request(),
        )
        .await
}

/// `"<type> <name>"` of every operation, in the order the execution created them.
fn operations(result: &TestResult<UpgradeOutcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.op_type(), op.name().unwrap_or("-")))
        .collect()
}

fn operation<'a>(
    result: &'a TestResult<UpgradeOutcome>,
    name: &str,
) -> &'a aws_durable_execution_sdk::test_util::TestOperation {
    result
        .operations()
        .iter()
        .find(|op| op.name() == Some(name))
        .unwrap_or_else(|| panic!("no operation named {name}"))
}

const UPGRADE_OPERATIONS: [&str; 11] = [
    "Step workflow:spec-hash",
    "Step read-account",
    "Step evaluate-tier",
    "Step list-products",
    "Step search-recommendations",
    "Step fetch-order-history",
    "Step upgrade-tier",
    "Context await-notification-ack",
    "Callback -",
    "Step -",
    "Step record-completion",
];

#[tokio::test]
async fn a_tier_that_does_not_go_up_finishes_no_change_after_the_first_two_steps() {
    let log = CallLog::default();
    let activities = ScriptedActivities {
        tier_goes_up: false,
        ..ScriptedActivities::upgrading(&log)
    };

    let result = run(LocalRunner::new(), activities, &log).await;

    assert_eq!(result.output(), Some(&UpgradeOutcome::NoChange));
    assert_eq!(
        operations(&result),
        [
            "Step workflow:spec-hash",
            "Step read-account",
            "Step evaluate-tier"
        ]
    );
    assert_eq!(log.calls(), ["read_account", "evaluate_tier"]);
}

#[tokio::test]
async fn an_upgrade_runs_every_step_body_once_across_all_replays_under_the_yaml_ids() {
    let log = CallLog::default();

    let result = run(
        LocalRunner::new().callback_success(&acknowledgement()),
        ScriptedActivities::upgrading(&log),
        &log,
    )
    .await;

    assert_eq!(result.output(), Some(&UpgradeOutcome::Upgraded));
    assert!(
        result.invocation_count() >= 2,
        "the callback suspends the execution at least once, so later steps ran after a replay"
    );
    assert_eq!(
        log.calls(),
        [
            "read_account",
            "evaluate_tier",
            "list_products",
            "search_recommendations",
            "fetch_order_history",
            "upgrade_tier",
            "publish_tier_upgraded",
            "record_completion",
        ]
    );
    assert_eq!(operations(&result), UPGRADE_OPERATIONS);
}

#[tokio::test]
async fn one_upgrade_costs_eleven_durable_operations() {
    let log = CallLog::default();

    let result = run(
        LocalRunner::new().callback_success(&acknowledgement()),
        ScriptedActivities::upgrading(&log),
        &log,
    )
    .await;

    assert_eq!(result.output(), Some(&UpgradeOutcome::Upgraded));
    assert_eq!(result.operations().len(), 11);
}

#[tokio::test]
async fn a_version_conflict_at_upgrade_tier_ends_superseded_without_a_retry() {
    let log = CallLog::default();
    let activities = ScriptedActivities {
        upgrade: UpgradeAnswer::VersionConflict,
        ..ScriptedActivities::upgrading(&log)
    };

    let result = run(LocalRunner::new(), activities, &log).await;

    assert_eq!(result.output(), Some(&UpgradeOutcome::Superseded));
    assert_eq!(log.count("upgrade_tier"), 1);
    let upgrade = operation(&result, "upgrade-tier");
    assert_eq!(upgrade.status(), "Failed");
    assert_eq!(upgrade.error_type(), Some("VersionConflict"));
    assert_eq!(upgrade.attempt(), 0);
    assert_eq!(log.count("publish_tier_upgraded"), 0);
    assert_eq!(log.count("record_completion"), 0);
}

#[tokio::test]
async fn an_unacknowledged_notification_times_out_into_upgraded_unacknowledged() {
    let log = CallLog::default();

    let result = run(
        LocalRunner::new().callback_timeout(),
        ScriptedActivities::upgrading(&log),
        &log,
    )
    .await;

    assert_eq!(
        result.output(),
        Some(&UpgradeOutcome::UpgradedUnacknowledged)
    );
    assert_eq!(log.count("publish_tier_upgraded"), 1);
    assert_eq!(log.count("record_completion"), 0);
    assert_eq!(
        operation(&result, "await-notification-ack").status(),
        "Failed"
    );
}

#[tokio::test]
async fn a_transient_failure_is_retried_and_the_step_then_succeeds() {
    let log = CallLog::default();
    let activities = ScriptedActivities::upgrading(&log);
    activities
        .read_account_transient_failures
        .store(2, std::sync::atomic::Ordering::SeqCst);

    let result = run(
        LocalRunner::new().callback_success(&acknowledgement()),
        activities,
        &log,
    )
    .await;

    assert_eq!(result.output(), Some(&UpgradeOutcome::Upgraded));
    assert_eq!(log.count("read_account"), 3);
    assert_eq!(operation(&result, "read-account").attempt(), 2);
    assert_eq!(operations(&result), UPGRADE_OPERATIONS);
}

/// The retry policy `read-account` has in the YAML.
fn read_account_policy() -> workflow_spec::RetryPolicy {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tier-upgrade.workflow.yaml");
    let source = std::fs::read_to_string(path).unwrap();
    let workflow = workflow_spec::load(&source, "tier-upgrade.workflow.yaml").unwrap();
    let step = workflow
        .steps
        .iter()
        .find(|step| step.id == "read-account")
        .unwrap();
    step.retry.clone().unwrap()
}

#[tokio::test]
async fn a_transient_failure_stops_after_the_attempts_the_spec_allows() {
    let policy = read_account_policy();
    assert_eq!(policy.on, ["Transient"]);
    let log = CallLog::default();
    let activities = ScriptedActivities::upgrading(&log);
    activities
        .read_account_transient_failures
        .store(u32::MAX, std::sync::atomic::Ordering::SeqCst);

    let result = run(LocalRunner::new(), activities, &log).await;

    assert!(result.is_failure());
    assert_eq!(log.count("read_account"), policy.max_attempts as usize);
    let read = operation(&result, "read-account");
    assert_eq!(read.status(), "Failed");
    assert_eq!(read.error_type(), Some("Transient"));
    assert_eq!(log.count("evaluate_tier"), 0);
}

#[test]
fn an_unconfigured_invoke_target_names_its_environment_variable() {
    // The test environment never sets it: the function name comes from deployment config.
    let error = tier_upgrade::Functions::from_env().unwrap_err();

    assert_eq!(
        error.to_string(),
        "step `fetch-order-history` invokes the function named by environment variable \
         FETCH_ORDER_HISTORY_ACTIVITY_ARN, which is not set"
    );
}

/// The cost model of `workflow cost` (workflow-spec's routes) is what the SDK records: the upgrade route and the
/// no-change exit cost the operations `LocalRunner` records for them (11 and 3).
#[tokio::test]
async fn the_operations_workflow_cost_computes_are_the_operations_recorded() {
    let source = include_str!("../../tier-upgrade.workflow.yaml");
    let workflow = workflow_spec::load(source, "tier-upgrade.workflow.yaml").unwrap();
    let routes = workflow_spec::routes(&workflow).unwrap();
    let operations_to = |ending: &str| {
        let route = routes
            .iter()
            .find(|route| {
                route.ending == workflow_spec::routes::Ending::Outcome(ending.to_string())
            })
            .unwrap_or_else(|| panic!("no route to {ending}"));
        assert!(!route.operations.grows_with_elements());
        route.operations.fixed as usize
    };

    let log = CallLog::default();
    let upgraded = run(
        LocalRunner::new().callback_success(&acknowledgement()),
        ScriptedActivities::upgrading(&log),
        &log,
    )
    .await;
    assert_eq!(upgraded.output(), Some(&UpgradeOutcome::Upgraded));
    assert_eq!(operations_to("Upgraded"), upgraded.operations().len());
    assert_eq!(operations_to("Upgraded"), 11);

    let log = CallLog::default();
    let unchanged = run(
        LocalRunner::new(),
        ScriptedActivities {
            tier_goes_up: false,
            ..ScriptedActivities::upgrading(&log)
        },
        &log,
    )
    .await;
    assert_eq!(unchanged.output(), Some(&UpgradeOutcome::NoChange));
    assert_eq!(operations_to("NoChange"), unchanged.operations().len());
    assert_eq!(operations_to("NoChange"), 3);

    let log = CallLog::default();
    let unacknowledged = run(
        LocalRunner::new().callback_timeout(),
        ScriptedActivities::upgrading(&log),
        &log,
    )
    .await;
    assert_eq!(
        unacknowledged.output(),
        Some(&UpgradeOutcome::UpgradedUnacknowledged)
    );
    assert_eq!(
        operations_to("UpgradedUnacknowledged"),
        unacknowledged.operations().len()
    );
}
