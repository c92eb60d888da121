//! The example driven by its generated fake (`order_fulfilment::fake::FakeActivities`, from workflow-runtime's
//! `fakes` feature) on the workflow harness: durable-local with skipped time, the delivery callback completed by
//! its step id, and the spec's routes these tests exercised.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use order_fulfilment_example::order_fulfilment::fake::FakeActivities;
use order_fulfilment_example::order_fulfilment::{self, ErrorKind};
use order_fulfilment_example::{
    Confirmation, Label, Line, Order, PickList, Pickup, Reservation, Tier, Validation,
    in_process_functions, payment,
};
use serde_json::json;
use workflow_harness::{Finished, Harness};

const SPEC: &str = "order-fulfilment.workflow.yaml";

fn order() -> Order {
    Order {
        id: "o-9".into(),
        tier: Tier::Standard,
        lines: vec![
            Line {
                sku: "a".into(),
                in_stock: true,
            },
            Line {
                sku: "b".into(),
                in_stock: true,
            },
        ],
        ..Order::default()
    }
}

fn validated(fake: &FakeActivities, tier: Tier, rejected: bool) {
    fake.validate_order.ok(Validation { rejected, tier });
}

/// Replies for everything up to the payment: two lines reserved, the charge built.
fn reserved(fake: &FakeActivities) {
    for sku in ["a", "b"] {
        fake.reserve_line.ok(Reservation { sku: sku.into() });
    }
    fake.build_charge.ok(payment::Charge {
        order: "o-9".into(),
        amount: 2_000,
        decline: false,
        review: false,
    });
}

fn paid(fake: &FakeActivities) {
    fake.payment_workflow.authorize.ok(payment::Authorization {
        code: "A-9".into(),
        needs_review: false,
    });
    fake.payment_workflow
        .capture
        .ok(payment::Receipt { amount: 2_000 });
}

fn prepared(fake: &FakeActivities) {
    fake.pick_items.ok(PickList { items: 2 });
    fake.print_label.ok(Label {
        tracking: "T-9".into(),
    });
}

async fn shipped(harness: &Harness, fake: &FakeActivities) -> Finished {
    validated(fake, Tier::Standard, false);
    reserved(fake);
    paid(fake);
    prepared(fake);
    // Not picked up at the first check, picked up at the second (the wait between is skipped).
    fake.check_pickup.ok(Pickup {
        picked_up: false,
        check: 1,
    });
    fake.check_pickup.ok(Pickup {
        picked_up: true,
        check: 2,
    });
    fake.request_confirmation.ok(());
    fake.record_fulfilment.ok(());
    let run = harness.start(&order()).unwrap();
    run.complete_callback("confirm-delivery", &Confirmation { intact: true })
        .await
        .unwrap();
    run.finish().await.unwrap()
}

fn harness_for(fake: &FakeActivities) -> Harness {
    Harness::new(
        SPEC,
        order_fulfilment::handler(fake.clone(), in_process_functions()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_drives_routes_on_the_harness_and_the_harness_reports_the_routes_taken() {
    let fake = FakeActivities::default();
    let harness = harness_for(&fake);

    let finished = shipped(&harness, &fake).await;
    assert_eq!(finished.result, Some(json!("Shipped")), "{finished:?}");
    // The last route of `workflow paths`: no tier arm, every step completed.
    assert_eq!(finished.routes, [52]);
    assert_eq!(fake.check_pickup.calls(), 2);
    assert_eq!(fake.payment_workflow.capture.calls(), 1);

    validated(&fake, Tier::Standard, true);
    let rejected = harness.start(&order()).unwrap().finish().await.unwrap();
    assert_eq!(rejected.result, Some(json!("Rejected")));
    assert_eq!(rejected.routes, [2]);

    validated(&fake, Tier::Blocked, false);
    let blocked = harness.start(&order()).unwrap().finish().await.unwrap();
    assert_eq!(
        blocked.error.as_ref().and_then(|e| e.error_type.as_deref()),
        Some("WorkflowFailed")
    );
    assert_eq!(blocked.routes.len(), 1, "{blocked:?}");

    // A payment declined inside the used workflow, caught by `pay`.
    validated(&fake, Tier::Standard, false);
    reserved(&fake);
    fake.payment_workflow
        .authorize
        .fail(order_fulfilment::payment::ErrorKind::Declined, "no funds");
    let unpaid = harness.start(&order()).unwrap().finish().await.unwrap();
    assert_eq!(unpaid.result, Some(json!("Unpaid")));
    assert_eq!(unpaid.routes.len(), 1, "{unpaid:?}");

    // Every reply queued was taken.
    assert_eq!(fake.validate_order.remaining(), 0);
    assert_eq!(fake.reserve_line.remaining(), 0);

    let coverage = harness.coverage();
    let mut taken: Vec<usize> = [
        finished.routes,
        rejected.routes,
        blocked.routes,
        unpaid.routes,
    ]
    .concat();
    taken.sort_unstable();
    assert_eq!(
        coverage.missing().len(),
        coverage.routes.len() - taken.len()
    );
    let report = coverage.to_string();
    assert!(
        report.starts_with("order-fulfilment: 4 of 52 routes exercised\n"),
        "{report}"
    );
    assert!(
        report.contains("  not exercised: 1. validate [uncaught error] => fails\n"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_callback_and_a_transient_failure_take_their_routes() {
    let fake = FakeActivities::default();
    let harness = harness_for(&fake);

    // The label jams once (retried after a skipped delay); the confirmation is refused: `CallbackFailed` is not
    // caught, so the execution fails at `confirm-delivery`.
    validated(&fake, Tier::Gold, false);
    fake.gift_wrap.ok(());
    reserved(&fake);
    paid(&fake);
    fake.pick_items.ok(PickList { items: 2 });
    fake.print_label
        .fail(ErrorKind::Transient, "jammed")
        .ok(Label {
            tracking: "T-9".into(),
        });
    fake.check_pickup.ok(Pickup {
        picked_up: true,
        check: 1,
    });
    fake.request_confirmation.ok(());
    let run = harness.start(&order()).unwrap();
    run.fail_callback("confirm-delivery", "the customer refused the parcel")
        .await
        .unwrap();
    let refused = run.finish().await.unwrap();

    assert_eq!(fake.print_label.calls(), 2);
    assert!(refused.result.is_none(), "{refused:?}");
    assert_eq!(refused.routes.len(), 1, "{refused:?}");

    // Another harness's run, merged: the suite's coverage has both routes.
    let other_fake = FakeActivities::default();
    let other = harness_for(&other_fake);
    validated(&other_fake, Tier::Standard, true);
    let rejected = other.start(&order()).unwrap().finish().await.unwrap();
    let suite = harness.coverage().merge(&other.coverage());
    let exercised: Vec<usize> = (1..=suite.routes.len())
        .filter(|number| !suite.missing().contains(number))
        .collect();
    let mut expected = [refused.routes.clone(), rejected.routes].concat();
    expected.sort_unstable();
    assert_eq!(exercised, expected);
    let routes: Vec<String> = refused
        .routes
        .iter()
        .map(|number| harness.coverage().routes[number - 1].0.to_string())
        .collect();
    assert_eq!(
        routes,
        [
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request -> pay -> \
          prepare -> notify-warehouse -> cool-off -> await-pickup -> confirm-delivery [uncaught error] => fails"
        ]
    );
}
