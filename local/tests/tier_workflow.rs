//! The tier upgrade workflow end to end: the embedded service on a real SQLite file, durable-local in-process with
//! scaled time, and axum servers on 127.0.0.1 standing in for the Product, Product Search and Order services.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use durable_local::TimeControl;
use loyalty_local::embedded::archive::list_archive;
use loyalty_local::embedded::poller::run_poller;
use loyalty_local::embedded::topology::NOTIFICATION_ACKNOWLEDGER;
use loyalty_local::tier_workflow::DurableLocalWorkflows;
use loyalty_service::ports::SystemClock;
use loyalty_service::producers::{order_completed, user_created};
use loyalty_service::tier_workflow::UpgradeOutcome;
use loyalty_service::tier_workflow::config::ORCHESTRATOR_FUNCTION;
use loyalty_service::tier_workflow::ports::{CallbackOutcome, CallbackSender, TierStore};
use loyalty_service::tier_workflow::queue_handlers::NotificationAcknowledger;
use loyalty_service::tier_workflow::tier::Tier;
use serde_json::{Value, json};
use support::{
    Harness, Pollers, Services, points_added, search_products, upgrade_input, wait_until,
};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crossing_500_points_upgrades_to_silver_publishes_the_callback_id_and_the_acknowledgement_completes_it()
 {
    let harness =
        Harness::start(TimeControl::Scaled(0.1), Pollers::Both, Services::default()).await;
    let now = loyalty_service::ports::Clock::now_ms(&SystemClock);
    let mut credits = vec![user_created("dev", "u1", now)];
    credits.extend((1..=8).map(|i| order_completed("dev", "u1", &format!("order-{i}"), true, now)));
    harness.publish(&credits).await;

    let arns = harness.executions(1).await;
    let (info, outcome) = harness.finished(&arns[0]).await;
    assert_eq!(outcome, UpgradeOutcome::Upgraded);
    assert_eq!(
        harness
            .local
            .list_executions(ORCHESTRATOR_FUNCTION)
            .unwrap()
            .len(),
        1
    );

    let tier = harness.tiers().load_tier("u1").await.unwrap().unwrap();
    assert_eq!(
        (tier.tier, tier.version, tier.points_at_upgrade),
        (Tier::Silver, 1, 500)
    );
    assert!(
        tier.notified_at.is_some(),
        "NotifiedAt is set by record-completion"
    );

    let mut operations = harness.operations(&info.arn);
    // The two branches of gather-context run concurrently: their creation order varies.
    operations[3..5].sort();
    assert_eq!(
        operations,
        [
            "Step workflow:spec-hash",
            "Step read-account",
            "Step evaluate-tier",
            "Step list-products",
            "Step search-recommendations",
            "ChainedInvoke fetch-order-history",
            "Step upgrade-tier",
            "Context await-notification-ack",
            "Callback -",
            "Step -",
            "Step record-completion",
        ]
    );
    println!("durable operations of one upgrade: {}", operations.len());

    let callback_id = harness
        .local
        .operations(&info.arn)
        .unwrap()
        .into_iter()
        .find_map(|op| op.callback_id)
        .unwrap();
    let published: Vec<_> = list_archive(&harness.service.db)
        .unwrap()
        .into_iter()
        .filter(|e| e.detail_type == "loyalty.tierUpgraded.v1")
        .collect();
    assert_eq!(published.len(), 1);
    let detail = &published[0].detail;
    assert_eq!(published[0].source, "dev.loyalty");
    assert_eq!(detail["source"], "dev.loyalty");
    assert_eq!(detail["data"]["callbackId"], callback_id.as_str());
    assert_eq!(
        (
            &detail["data"]["userId"],
            &detail["data"]["previousTier"],
            &detail["data"]["newTier"],
            &detail["data"]["currentPoints"]
        ),
        (
            &json!("u1"),
            &json!("Bronze"),
            &json!("Silver"),
            &json!(500)
        )
    );
    assert_eq!(
        detail["data"]["recommendations"],
        json!(search_products()[..3])
    );

    let history = harness
        .local
        .operations(&info.arn)
        .unwrap()
        .into_iter()
        .find(|op| op.name.as_deref() == Some("fetch-order-history"))
        .and_then(|op| op.result)
        .unwrap();
    let history: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(
        history,
        json!({"items": [{"orderId": "o1"}, {"orderId": "o2"}, {"orderId": "o3"}], "pages": 2})
    );
    assert_eq!(harness.services.order_calls.load(Ordering::SeqCst), 2);
    let query = "loyalty tier upgrade recommendations for Silver tier members with 500 points";
    // Only search-recommendations asks: the submitter of await-notification-ack reads gather-context's result, so
    // the event's recommendations above are the first three products of this one answer.
    assert_eq!(*harness.services.search_queries.lock().unwrap(), [query]);
    assert_eq!(harness.services.search_calls.load(Ordering::SeqCst), 1);
    assert!(harness.service.queues.dead_letters().unwrap().is_empty());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_acknowledgement_the_tier_stays_upgraded_and_notified_at_unset() {
    let harness = Harness::start(
        TimeControl::Scaled(0.001),
        Pollers::None,
        Services::default(),
    )
    .await;
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("unacknowledged"),
            &upgrade_input("u2", 500),
        )
        .unwrap();
    let (_, outcome) = harness.finished(&arn).await;
    assert_eq!(outcome, UpgradeOutcome::UpgradedUnacknowledged);
    let tier = harness.tiers().load_tier("u2").await.unwrap().unwrap();
    assert_eq!(
        (tier.tier, tier.version, tier.notified_at),
        (Tier::Silver, 1, None)
    );
    assert!(
        !harness
            .operations(&arn)
            .contains(&"Step record-completion".to_owned())
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_upgrade_supersedes_the_execution_without_retrying_the_conflict() {
    let harness = Harness::start(
        TimeControl::Scaled(0.001),
        Pollers::None,
        Services::default(),
    )
    .await;
    let gate = harness.services.product_gate.write().await;
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("superseded"),
            &upgrade_input("u3", 1600),
        )
        .unwrap();
    wait_until(
        "list-products is in flight",
        Duration::from_secs(15),
        || harness.services.product_calls.load(Ordering::SeqCst) > 0,
    )
    .await;
    // read-account has seen no tier item (version 0); another execution saves Silver meanwhile.
    harness
        .tiers()
        .save_tier("u3", Tier::Silver, 520, 0, "2026-11-24T10:00:00.000Z")
        .await
        .unwrap();
    drop(gate);
    let (_, outcome) = harness.finished(&arn).await;
    assert_eq!(outcome, UpgradeOutcome::Superseded);
    let upgrade = harness
        .local
        .operations(&arn)
        .unwrap()
        .into_iter()
        .find(|op| op.name.as_deref() == Some("upgrade-tier"))
        .unwrap();
    // `attempt` counts the retries recorded on the operation.
    assert_eq!(
        (upgrade.status, upgrade.attempt),
        (durable_local::OperationStatus::Failed, 0),
        "a version conflict is not retried"
    );
    let tier = harness.tiers().load_tier("u3").await.unwrap().unwrap();
    assert_eq!((tier.tier, tier.version), (Tier::Silver, 1));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_starts_nothing_below_silver_and_one_execution_per_user_and_target_tier() {
    let harness =
        Harness::start(TimeControl::Scaled(0.1), Pollers::Both, Services::default()).await;
    harness
        .publish(&[
            points_added("below", 499),
            points_added("twice", 520),
            points_added("twice", 560),
            points_added("sentinel", 500),
        ])
        .await;
    let arns = harness.executions(2).await;
    for arn in &arns {
        harness.finished(arn).await;
    }
    let mut names: Vec<String> = arns
        .iter()
        .map(|arn| harness.local.get_execution(arn).unwrap().name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            loyalty_service::tier_workflow::queue_handlers::execution_name(
                "sentinel",
                Tier::Silver
            ),
            loyalty_service::tier_workflow::queue_handlers::execution_name("twice", Tier::Silver),
        ]
    );
    assert_eq!(
        harness
            .local
            .list_executions(ORCHESTRATOR_FUNCTION)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(harness.tiers().load_tier("below").await.unwrap(), None);
    assert!(harness.service.queues.dead_letters().unwrap().is_empty());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_product_service_is_retried_with_the_spec_policy_until_it_answers() {
    let services = Services {
        product_failures_left: AtomicU32::new(2),
        ..Services::default()
    };
    let harness = Harness::start(TimeControl::Scaled(0.001), Pollers::None, services).await;
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("flaky-products"),
            &upgrade_input("u4", 500),
        )
        .unwrap();
    // No acknowledger runs: the execution ends unacknowledged after the (scaled) 5-minute timeout.
    let (_, outcome) = harness.finished(&arn).await;
    assert_eq!(outcome, UpgradeOutcome::UpgradedUnacknowledged);
    assert_eq!(harness.services.product_calls.load(Ordering::SeqCst), 3);
    let list_products = harness
        .local
        .operations(&arn)
        .unwrap()
        .into_iter()
        .find(|op| op.name.as_deref() == Some("list-products"))
        .unwrap();
    // Two failures, two retries (the spec's 6-attempt policy allows five), the third call answers.
    assert_eq!(
        (list_products.status, list_products.attempt),
        (durable_local::OperationStatus::Succeeded, 2)
    );
    harness.stop().await;
}

fn acknowledgement(
    user: &str,
    callback_id: Option<&str>,
) -> loyalty_service::core::outgoing::OutgoingEvent {
    let mut data = json!({"userId": user});
    if let Some(id) = callback_id {
        data["callbackId"] = json!(id);
    }
    loyalty_service::core::outgoing::OutgoingEvent {
        source: "dev.loyalty".into(),
        detail_type: "loyalty.tierUpgraded.v1".into(),
        detail: json!({"id": uuid::Uuid::new_v4().to_string(), "type": "loyalty.tierUpgraded.v1",
                       "source": "dev.loyalty", "data": data})
        .to_string(),
    }
}

/// Waits (10 s at most) until the NotificationAcknowledger queue is empty.
async fn acknowledger_queue_drained(harness: &Harness) {
    let queue = harness.service.topology().queue(NOTIFICATION_ACKNOWLEDGER);
    wait_until(
        "the NotificationAcknowledger queue is empty",
        Duration::from_secs(10),
        || harness.service.queues.depth(&queue).unwrap() == 0,
    )
    .await;
}

fn callback_id_of(harness: &Harness, arn: &str) -> String {
    harness
        .local
        .operations(arn)
        .unwrap()
        .into_iter()
        .find_map(|op| op.callback_id)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_an_unknown_or_already_completed_callback_is_done_not_retried() {
    let harness =
        Harness::start(TimeControl::Scaled(0.1), Pollers::Both, Services::default()).await;
    harness
        .publish(&[acknowledgement("u5", Some("no-such-callback"))])
        .await;
    acknowledger_queue_drained(&harness).await;
    assert!(harness.service.queues.dead_letters().unwrap().is_empty());

    // The acknowledger completes the callback from the published event; the same acknowledgement twice more
    // finds it already completed.
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("acknowledged"),
            &upgrade_input("u5", 500),
        )
        .unwrap();
    let (_, outcome) = harness.finished(&arn).await;
    assert_eq!(outcome, UpgradeOutcome::Upgraded);
    let callback_id = callback_id_of(&harness, &arn);
    let again = acknowledgement("u5", Some(&callback_id));
    harness.publish(&[again.clone(), again]).await;
    acknowledger_queue_drained(&harness).await;
    assert!(harness.service.queues.dead_letters().unwrap().is_empty());
    assert_eq!(
        harness.finished(&arn).await.1,
        UpgradeOutcome::Upgraded,
        "the late acknowledgements change nothing"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_after_the_callback_timed_out_is_done_not_retried() {
    let harness = Harness::start(
        TimeControl::Scaled(0.001),
        Pollers::None,
        Services::default(),
    )
    .await;
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("timed-out"),
            &upgrade_input("u6", 500),
        )
        .unwrap();
    let (_, outcome) = harness.finished(&arn).await;
    assert_eq!(outcome, UpgradeOutcome::UpgradedUnacknowledged);

    // Only now does an acknowledger run: it finds the execution's own tierUpgraded (queued meanwhile) and one
    // more acknowledgement of the same callback, both after the timeout.
    let callback_id = callback_id_of(&harness, &arn);
    harness
        .publish(&[acknowledgement("u6", Some(&callback_id))])
        .await;
    let queue = harness.service.topology().queue(NOTIFICATION_ACKNOWLEDGER);
    assert_eq!(harness.service.queues.depth(&queue).unwrap(), 2);
    let acknowledger = NotificationAcknowledger::new(
        DurableLocalWorkflows::new(harness.local.clone()),
        SystemClock,
    );
    harness.tasks.spawn(run_poller(
        harness.service.queues.clone(),
        queue,
        acknowledger,
        harness.shutdown.clone(),
    ));
    acknowledger_queue_drained(&harness).await;
    assert!(harness.service.queues.dead_letters().unwrap().is_empty());
    let tier = harness.tiers().load_tier("u6").await.unwrap().unwrap();
    assert_eq!(
        tier.notified_at, None,
        "a late acknowledgement stamps nothing"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_silver_acknowledgement_does_not_stamp_the_gold_item_of_a_newer_execution() {
    let harness =
        Harness::start(TimeControl::Scaled(0.1), Pollers::None, Services::default()).await;
    let silver = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("silver"),
            &upgrade_input("u8", 500),
        )
        .unwrap();
    wait_until(
        "the Silver execution waits for its acknowledgement",
        Duration::from_secs(15),
        || {
            harness
                .local
                .operations(&silver)
                .unwrap()
                .iter()
                .any(|op| op.callback_id.is_some())
        },
    )
    .await;
    // A newer execution saves Gold (version 2) while the Silver one waits.
    harness
        .tiers()
        .save_tier("u8", Tier::Gold, 1500, 1, "2026-11-24T10:00:00.000Z")
        .await
        .unwrap();
    let callback_id = callback_id_of(&harness, &silver);
    let outcome = DurableLocalWorkflows::new(harness.local.clone())
        .send_success(
            &callback_id,
            &json!({"acknowledgedAt": "2026-11-24T10:01:00.000Z"}),
        )
        .await
        .unwrap();
    assert_eq!(outcome, CallbackOutcome::Completed);
    let (_, outcome) = harness.finished(&silver).await;
    assert_eq!(outcome, UpgradeOutcome::Upgraded);
    assert!(
        harness
            .operations(&silver)
            .contains(&"Step record-completion".to_owned())
    );
    let tier = harness.tiers().load_tier("u8").await.unwrap().unwrap();
    assert_eq!(
        (tier.tier, tier.version, tier.notified_at),
        (Tier::Gold, 2, None),
        "NotifiedAt stays unset until the Gold execution's own acknowledgement"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_upgraded_without_callback_id_goes_to_the_dlq_with_its_reason() {
    let harness =
        Harness::start(TimeControl::Scaled(0.1), Pollers::Both, Services::default()).await;
    harness.publish(&[acknowledgement("u7", None)]).await;
    acknowledger_queue_drained(&harness).await;
    let dead: Vec<_> = harness
        .service
        .queues
        .dead_letters()
        .unwrap()
        .into_iter()
        .map(|d| (d.source_queue, d.reason))
        .collect();
    assert_eq!(
        dead,
        [(
            harness.service.topology().queue(NOTIFICATION_ACKNOWLEDGER),
            "loyalty.tierUpgraded.v1 has no data.callbackId".to_owned()
        )]
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_service_that_never_answers_fails_the_execution_visibly_after_six_attempts() {
    let services = Services {
        product_failures_left: AtomicU32::new(u32::MAX),
        ..Services::default()
    };
    let harness = Harness::start(TimeControl::Scaled(0.001), Pollers::None, services).await;
    let arn = harness
        .local
        .start_execution(
            ORCHESTRATOR_FUNCTION,
            Some("products-down"),
            &upgrade_input("u6", 500),
        )
        .unwrap();
    let info = tokio::time::timeout(
        Duration::from_secs(30),
        harness.local.wait_for_completion(&arn),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(info.status, durable_local::ExecutionStatus::Failed);
    let error = info.error.unwrap();
    assert_eq!(error.error_type.as_deref(), Some("Transient"));
    let message = error.error_message.unwrap();
    assert!(message.contains("ProductService answered 503"), "{message}");
    assert_eq!(harness.services.product_calls.load(Ordering::SeqCst), 6);
    assert_eq!(
        harness.tiers().load_tier("u6").await.unwrap(),
        None,
        "nothing was upgraded"
    );
    harness.stop().await;
}
