//! The fake `Activities` that `workflow!` generates with the `fakes` feature, driving the checkout fixture (which
//! uses the billing workflow) under the SDK's `LocalRunner`: each method answers its queued replies in order, a
//! failure of a declared kind is retried or caught as the spec says, the used workflow's methods answer from its
//! own fake inside the checkout's, and calls are counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_durable_execution_sdk::test_util::LocalRunner;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cart {
    pub amount: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Checkout {
    Completed,
    PaymentDeclined,
    PaymentFailed,
}

pub mod payment {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Charge {
        pub amount: u32,
    }

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Billed {
        Paid,
        Declined,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Authorization {
        pub code: String,
    }
}

workflow_runtime::workflow!("tests/ui/fixtures/checkout.workflow.yaml");

use checkout::billing;
use checkout::fake::FakeActivities;

/// Runs the checkout with a clone of `fake` (clones share replies and counters).
async fn run(fake: &FakeActivities) -> Option<Checkout> {
    let functions = checkout::Functions {
        bill: billing::Functions {},
    };
    let result = LocalRunner::new()
        .run(
            checkout::handler(fake.clone(), functions),
            Cart { amount: 3 },
        )
        .await;
    result.output().cloned()
}

#[tokio::test]
async fn queued_replies_drive_the_workflow_and_the_used_workflows_fake_answers_its_methods() {
    let fake = FakeActivities::default();
    fake.price.ok(payment::Charge { amount: 6 });
    fake.billing_workflow
        .authorize
        .ok(payment::Authorization { code: "A1".into() });
    fake.billing_workflow.capture.ok(());
    fake.ship_cart.ok(());

    let output = run(&fake).await;

    assert_eq!(output, Some(Checkout::Completed));
    assert_eq!(
        (
            fake.price.calls(),
            fake.billing_workflow.authorize.calls(),
            fake.billing_workflow.capture.calls(),
            fake.ship_cart.calls()
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(fake.ship_cart.remaining(), 0);
}

#[tokio::test]
async fn a_queued_failure_takes_the_catch_of_its_kind() {
    let fake = FakeActivities::default();
    fake.price.ok(payment::Charge { amount: 6 });
    fake.billing_workflow
        .authorize
        .fail(billing::ErrorKind::Unreachable, "the provider timed out");

    let output = run(&fake).await;

    // `bill` catches `Unreachable` into `PaymentFailed`; shipping never runs.
    assert_eq!(output, Some(Checkout::PaymentFailed));
    assert_eq!(fake.ship_cart.calls(), 0);
}

#[tokio::test]
async fn a_declined_card_is_caught_inside_the_used_workflow() {
    let fake = FakeActivities::default();
    fake.price.ok(payment::Charge { amount: 6 });
    fake.billing_workflow
        .authorize
        .fail(billing::ErrorKind::CardDeclined, "insufficient funds");

    let output = run(&fake).await;

    assert_eq!(output, Some(Checkout::PaymentDeclined));
    assert_eq!(fake.billing_workflow.capture.calls(), 0);
}
