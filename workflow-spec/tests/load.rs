#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The tier workflow loads into the IR the code generator walks.

use std::time::Duration;
use workflow_spec::{
    CatchAction, FunctionSource, Jitter, Position, ReadSource, StepKind, load, spec_hash,
};

const TIER: &str = include_str!("../../tier-upgrade.workflow.yaml");

#[test]
fn the_tier_workflow_loads_with_its_steps_in_file_order() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    assert_eq!(workflow.name, "tier-upgrade");
    assert_eq!(workflow.ident, "tier_upgrade");
    assert_eq!(
        workflow.input_type.path,
        "crate::tier_workflow::UpgradeRequest"
    );
    assert_eq!(
        workflow.output_type.path,
        "crate::tier_workflow::UpgradeOutcome"
    );
    let ids: Vec<&str> = workflow.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "read-account",
            "evaluate-tier",
            "gather-context",
            "fetch-order-history",
            "upgrade-tier",
            "await-notification-ack",
            "record-completion"
        ]
    );
    let idents: Vec<&str> = workflow.steps.iter().map(|s| s.ident.as_str()).collect();
    assert_eq!(idents[5], "await_notification_ack");
    assert_eq!(
        workflow.outcomes,
        [
            "NoChange",
            "Superseded",
            "UpgradedUnacknowledged",
            "Upgraded"
        ]
    );
    assert_eq!(workflow.finish.as_ref().unwrap().name, "Upgraded");
    let kinds: Vec<&str> = workflow
        .error_kinds
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(kinds, ["Transient", "VersionConflict"]);
}

#[test]
fn evaluate_tier_finishes_with_no_change_unless_has_changed() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let evaluate = &workflow.steps[1];
    let early = evaluate.early_finish.as_ref().unwrap();
    assert_eq!(early.field, "has_changed");
    assert!(!early.finish_when);
    assert_eq!(early.outcome.name, "NoChange");
    let reads: Vec<(&str, ReadSource)> = evaluate
        .reads
        .iter()
        .map(|r| (r.ident.as_str(), r.source))
        .collect();
    assert_eq!(
        reads,
        [
            ("input", ReadSource::Input),
            ("read_account", ReadSource::Step(0))
        ]
    );
    assert_eq!(evaluate.position, Position { line: 22, col: 5 });
}

#[test]
fn tasks_inherit_the_default_retry_of_the_original_service() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let retry = workflow.steps[0].retry.as_ref().unwrap();
    assert_eq!(retry.max_attempts, 6);
    assert_eq!(retry.initial_delay, Duration::from_secs(5));
    assert_eq!(retry.backoff_rate, 2.0);
    assert_eq!(retry.max_delay, Duration::from_secs(60));
    assert_eq!(retry.jitter, Jitter::Full);
    assert_eq!(retry.on, ["Transient"]);
}

#[test]
fn gather_context_has_two_branches_with_their_own_reads_and_retry() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let StepKind::Parallel(branches) = &workflow.steps[2].kind else {
        panic!("gather-context is parallel")
    };
    assert_eq!(branches.len(), 2);
    assert_eq!(branches[0].id, "list-products");
    assert_eq!(branches[0].task.method, "list_products");
    assert_eq!(branches[1].ident, "search_recommendations");
    assert_eq!(
        branches[1].task.output.as_ref().unwrap().path,
        "crate::tier_workflow::Recommendations"
    );
    let reads: Vec<ReadSource> = branches[1].reads.iter().map(|r| r.source).collect();
    assert_eq!(reads, [ReadSource::Input, ReadSource::Step(1)]);
    assert_eq!(branches[1].retry.as_ref().unwrap().max_attempts, 6);
    assert_eq!(workflow.steps[2].retry, None);
}

#[test]
fn fetch_order_history_invokes_the_function_named_by_the_environment() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let StepKind::Invoke(invoke) = &workflow.steps[3].kind else {
        panic!("fetch-order-history is an invoke")
    };
    assert_eq!(
        invoke.function,
        FunctionSource::Env("FETCH_ORDER_HISTORY_ACTIVITY_ARN".to_string())
    );
    assert_eq!(invoke.input.path, "crate::tier_workflow::HistoryRequest");
    assert_eq!(
        invoke.output.as_ref().unwrap().path,
        "crate::tier_workflow::OrderHistory"
    );
    assert_eq!(workflow.steps[3].retry, None);
}

#[test]
fn a_version_conflict_at_upgrade_tier_finishes_superseded() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let upgrade = &workflow.steps[4];
    assert_eq!(upgrade.catches.len(), 1);
    assert_eq!(upgrade.catches[0].error, "VersionConflict");
    let CatchAction::Finish(outcome) = &upgrade.catches[0].action else {
        panic!("finishes")
    };
    assert_eq!(outcome.name, "Superseded");
    assert!(
        !upgrade
            .retry
            .as_ref()
            .unwrap()
            .on
            .contains(&"VersionConflict".to_string())
    );
}

#[test]
fn the_callback_waits_five_minutes_and_a_timeout_finishes_upgraded_unacknowledged() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let ack = &workflow.steps[5];
    let StepKind::Callback(callback) = &ack.kind else {
        panic!("await-notification-ack is a callback")
    };
    assert_eq!(callback.submitter, "publish_tier_upgraded");
    assert_eq!(
        callback.result.path,
        "crate::tier_workflow::Acknowledgement"
    );
    assert_eq!(callback.timeout, Duration::from_secs(300));
    assert_eq!(callback.heartbeat, None);
    // The submitter reads gather-context (the tuple of its branch outputs) for the event's recommendations.
    let reads: Vec<ReadSource> = ack.reads.iter().map(|r| r.source).collect();
    assert_eq!(
        reads,
        [ReadSource::Input, ReadSource::Step(1), ReadSource::Step(2)]
    );
    assert_eq!(ack.catches[0].error, "CallbackTimeout");
    assert_eq!(
        ack.catches[0].action,
        CatchAction::Finish(workflow_spec::Outcome {
            name: "UpgradedUnacknowledged".to_string(),
            position: Position { line: 62, col: 45 },
        })
    );
}

#[test]
fn record_completion_reads_the_tier_this_execution_saved() {
    let workflow = load(TIER, "tier-upgrade.workflow.yaml").unwrap();
    let record = &workflow.steps[6];
    assert_eq!(record.id, "record-completion");
    // upgrade-tier's SavedTier: only the item at that version is stamped (behaviour F14 across executions).
    let reads: Vec<ReadSource> = record.reads.iter().map(|r| r.source).collect();
    assert_eq!(reads, [ReadSource::Input, ReadSource::Step(4)]);
}

#[test]
fn the_spec_hash_is_the_sha256_of_the_bytes() {
    assert_eq!(
        spec_hash(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(spec_hash(TIER.as_bytes()).len(), 64);
}
