//! The orchestrator generated from `tier-upgrade.workflow.yaml` on durable-local, the embedded
//! durable-execution service: unlike the SDK's `LocalRunner` it completes the real chained invoke
//! of `fetch-order-history`, takes the callback answer while the execution is suspended, and
//! fires the 300 s callback timeout on a scaled clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../workflow-runtime/tests/support/domain.rs"]
mod domain;
#[path = "../../../workflow-runtime/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use domain::orders::{HistoryRequest, OrderHistory};
use domain::{catalog, orders, tier, tier_workflow};
use durable_local::{
    DurableLocal, DurableLocalOptions, ExecutionStatus, OperationStatus, OperationType, TimeControl,
};
use support::scripted_activities::{CallLog, ScriptedActivities, acknowledgement, upgrade_request};
use workflow_runtime::FunctionTarget;

workflow_runtime::workflow!("../../tier-upgrade.workflow.yaml");

const ORDER_HISTORY_FUNCTION: &str = "fetch-order-history-activity";

/// durable-local on a temporary SQLite file, with time running 100 times faster (the 300 s
/// callback timeout lasts 3 s), the tier workflow and its chained-invoke target registered.
fn service(log: &CallLog) -> (tempfile::TempDir, DurableLocal) {
    let dir = tempfile::tempdir().unwrap();
    let options = DurableLocalOptions {
        time: TimeControl::Scaled(0.01),
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(dir.path().join("durable.db"), options).unwrap();
    let invoked = log.clone();
    local.register_function(ORDER_HISTORY_FUNCTION, move |request: HistoryRequest| {
        let invoked = invoked.clone();
        async move {
            invoked.record("fetch_order_history");
            assert_eq!(request.user_id, "u-42");
            Ok::<_, workflow_runtime::__private::BoxError>(OrderHistory { order_count: 3 })
        }
    });
    let functions = tier_upgrade::Functions {
        fetch_order_history: FunctionTarget::Lambda(ORDER_HISTORY_FUNCTION.into()),
    };
    local
        .register_durable(
            "tier-upgrade",
            tier_upgrade::handler(ScriptedActivities::upgrading(log), functions),
        )
        .unwrap();
    (dir, local)
}

fn outcome(info: &durable_local::ExecutionInfo) -> tier::UpgradeOutcome {
    serde_json::from_str(info.result.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn an_acknowledged_upgrade_succeeds_with_a_real_chained_invoke() {
    let log = CallLog::default();
    let (_dir, local) = service(&log);

    let arn = local
        .start_execution("tier-upgrade", Some("u-42-silver"), &upgrade_request())
        .unwrap();
    let callback_id = local
        .wait_for_callback_id(&arn, Duration::from_secs(20))
        .await
        .unwrap();
    local
        .send_callback_success(&callback_id, &acknowledgement())
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();

    assert_eq!(info.status, ExecutionStatus::Succeeded);
    assert_eq!(outcome(&info), tier::UpgradeOutcome::Upgraded);
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
    let operations = local.operations(&arn).unwrap();
    let invoke = operations
        .iter()
        .find(|op| op.name.as_deref() == Some("fetch-order-history"))
        .unwrap();
    assert_eq!(invoke.op_type, OperationType::ChainedInvoke);
    assert_eq!(invoke.status, OperationStatus::Succeeded);
    let durable_operations = operations
        .iter()
        .filter(|op| op.op_type != OperationType::Execution)
        .count();
    assert_eq!(durable_operations, 11);
}

#[tokio::test]
async fn an_unanswered_notification_times_out_into_upgraded_unacknowledged() {
    let log = CallLog::default();
    let (_dir, local) = service(&log);

    let info = local
        .run("tier-upgrade", Some("u-42-silver"), &upgrade_request())
        .await
        .unwrap();

    assert_eq!(info.status, ExecutionStatus::Succeeded);
    assert_eq!(outcome(&info), tier::UpgradeOutcome::UpgradedUnacknowledged);
    assert_eq!(log.count("publish_tier_upgraded"), 1);
    assert_eq!(log.count("record_completion"), 0);
}
