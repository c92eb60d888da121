//! Executions that started under one definition of a workflow and are replayed under another: each suspended
//! in a durable wait under version 1 (`fixtures/redeploy-v1.workflow.yaml`), the function is then "redeployed"
//! with another version. An edit that leaves what the execution recorded in place lets it continue under the
//! new code; one that changes a recorded operation fails the replay at that operation, naming it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};

include!("support/redeploy.rs");

/// Runs one execution: its first `redeploy_after` invocations under version 1, the later ones under `then`.
/// Version 1 suspends twice: in `cool-down` after recording `reserve` (invocation 1), and in `settle` after
/// recording `ship` (invocation 2).
async fn run(shop: &Shop, redeploy_after: u32, then: Handler) -> TestResult<Outcome> {
    let version_one = version("v1", shop);
    let invocations = Arc::new(AtomicU32::new(0));
    let redeployed = move |order, ctx| {
        if invocations.fetch_add(1, Ordering::SeqCst) < redeploy_after {
            version_one(order, ctx)
        } else {
            then(order, ctx)
        }
    };
    LocalRunner::new()
        .run(redeployed, Order { id: "o-1".into() })
        .await
}

fn names(result: &TestResult<Outcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| op.name().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn an_unchanged_definition_records_its_fingerprints_and_plain_names() {
    let shop = Shop::default();
    let result = run(&shop, u32::MAX, version("v1", &shop)).await;
    assert_eq!(result.output(), Some(&Outcome::Shipped));
    assert_eq!(result.invocation_count(), 3);
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash",
            "reserve",
            "cool-down",
            "ship",
            "settle"
        ]
    );
    let record: serde_json::Value =
        serde_json::from_str(result.operations()[0].result().unwrap()).unwrap();
    assert_eq!(record["spec"], redeploy_v1::SPEC_HASH);
    for (id, fingerprint) in redeploy_v1::OPERATIONS {
        assert_eq!(record["operations"][id], *fingerprint, "{id}");
    }
    assert_eq!(shop.calls(), ["redeploy_v1 reserve", "redeploy_v1 ship"]);
}

#[tokio::test]
async fn settings_changed_only_every_execution_continues_under_the_new_code() {
    let shop = Shop::default();
    let result = run(&shop, 1, version("settings", &shop)).await;
    assert_eq!(
        result.output(),
        Some(&Outcome::Shipped),
        "{:?}",
        result.error_message()
    );
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash",
            "reserve",
            "cool-down",
            "ship",
            "settle"
        ]
    );
    assert_eq!(
        shop.calls(),
        ["redeploy_v1 reserve", "redeploy_settings ship"]
    );
    assert_eq!(redeploy_v1::OPERATIONS, redeploy_settings::OPERATIONS);
}

#[tokio::test]
async fn a_step_changed_before_the_execution_reached_it_runs_under_its_new_name_and_replays_under_it()
 {
    let shop = Shop::default();
    let result = run(&shop, 1, version("ship-receipt", &shop)).await;
    // Invocation 2 ran `ship` under the new definition; invocation 3 replayed it and finished.
    assert_eq!(
        result.output(),
        Some(&Outcome::Shipped),
        "{:?}",
        result.error_message()
    );
    assert_eq!(result.invocation_count(), 3);
    let ship = renamed(redeploy_ship_receipt::OPERATIONS, "ship");
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash",
            "reserve",
            "cool-down",
            ship.as_str(),
            "settle"
        ]
    );
    assert_eq!(
        shop.calls(),
        ["redeploy_v1 reserve", "redeploy_ship_receipt ship"]
    );
}

/// The failure of a replay that meets a recorded operation the running definition changed.
fn assert_fails_at(result: &TestResult<Outcome>, recorded: &str, claimed: &str) {
    assert!(result.is_failure(), "{:?}", result.output());
    let message = result.error_message().unwrap_or_default();
    assert_mismatch(result.error_type(), message, recorded, claimed);
}

#[tokio::test]
async fn a_step_changed_after_the_execution_recorded_it_fails_the_replay_there() {
    let shop = Shop::default();
    let result = run(&shop, 2, version("ship-receipt", &shop)).await;
    let ship = renamed(redeploy_ship_receipt::OPERATIONS, "ship");
    assert_fails_at(&result, "ship", &ship);
    assert_eq!(result.invocation_count(), 3);
    assert_eq!(shop.calls(), ["redeploy_v1 reserve", "redeploy_v1 ship"]);
}

#[tokio::test]
async fn a_changed_type_of_a_recorded_step_fails_the_replay_before_any_later_step_runs() {
    let shop = Shop::default();
    let result = run(&shop, 1, version("reservation-v2", &shop)).await;
    let reserve = renamed(redeploy_reservation_v2::OPERATIONS, "reserve");
    assert_fails_at(&result, "reserve", &reserve);
    assert_eq!(result.invocation_count(), 2);
    assert_eq!(shop.calls(), ["redeploy_v1 reserve"]);
}

#[tokio::test]
async fn a_step_inserted_before_a_recorded_one_fails_the_replay_there() {
    let shop = Shop::default();
    let result = run(&shop, 1, version("inserted", &shop)).await;
    let check = renamed(redeploy_inserted::OPERATIONS, "check-stock");
    assert_fails_at(&result, "cool-down", &check);
    assert_eq!(shop.calls(), ["redeploy_v1 reserve"]);
}

#[tokio::test]
async fn a_step_appended_after_the_last_runs_in_executions_started_before() {
    let shop = Shop::default();
    let result = run(&shop, 2, version("appended", &shop)).await;
    assert_eq!(
        result.output(),
        Some(&Outcome::Shipped),
        "{:?}",
        result.error_message()
    );
    let thank = renamed(redeploy_appended::OPERATIONS, "thank");
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash",
            "reserve",
            "cool-down",
            "ship",
            "settle",
            thank.as_str()
        ]
    );
    assert_eq!(
        shop.calls(),
        [
            "redeploy_v1 reserve",
            "redeploy_v1 ship",
            "redeploy_appended thank"
        ]
    );
}
