//! Generated orchestrators record their `SPEC_HASH` first: an execution started by one version
//! of a spec and replayed by code generated from another fails, naming both hashes, before any
//! recorded result reaches a step of the new version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::LocalRunner;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Reservation {
    pub slot: u32,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Shipped,
}

workflow_runtime::workflow!("tests/fixtures/redeploy-v1.workflow.yaml");
workflow_runtime::workflow!("tests/fixtures/redeploy-v2.workflow.yaml");

#[derive(Clone, Default)]
struct Shop {
    calls: Arc<Mutex<Vec<&'static str>>>,
}

impl Shop {
    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().clone()
    }
}

impl redeploy_v1::Activities for Shop {
    async fn reserve(&self, _order: &Order) -> Result<Reservation, redeploy_v1::Error> {
        self.calls.lock().unwrap().push("v1 reserve");
        Ok(Reservation { slot: 4 })
    }
    async fn ship(&self, _reservation: &Reservation) -> Result<(), redeploy_v1::Error> {
        self.calls.lock().unwrap().push("v1 ship");
        Ok(())
    }
}

impl redeploy_v2::Activities for Shop {
    async fn reserve(&self, _order: &Order) -> Result<Reservation, redeploy_v2::Error> {
        self.calls.lock().unwrap().push("v2 reserve");
        Ok(Reservation { slot: 5 })
    }
    async fn ship(&self, _reservation: &Reservation) -> Result<(), redeploy_v2::Error> {
        self.calls.lock().unwrap().push("v2 ship");
        Ok(())
    }
}

fn order() -> Order {
    Order { id: "o-1".into() }
}

#[tokio::test]
async fn replaying_a_version_one_execution_with_version_two_fails_naming_both_hashes() {
    let shop = Shop::default();
    let version_one = redeploy_v1::handler(shop.clone(), redeploy_v1::Functions {});
    let version_two = redeploy_v2::handler(shop.clone(), redeploy_v2::Functions {});
    let invocations = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&invocations);
    // The first invocation runs version 1 until the wait suspends it; the function is then
    // "redeployed", so every later invocation runs version 2.
    let redeployed = move |order, ctx| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            version_one(order, ctx)
        } else {
            version_two(order, ctx)
        }
    };

    let result = LocalRunner::new().run(redeployed, order()).await;

    assert!(result.is_failure());
    assert_eq!(invocations.load(Ordering::SeqCst), 2);
    assert_eq!(result.error_type(), Some("SpecHashMismatch"));
    let message = result.error_message().unwrap();
    assert!(
        message.contains(&format!(
            "started by workflow spec {}",
            redeploy_v1::SPEC_HASH
        )) && message.contains(&format!("generated from spec {}", redeploy_v2::SPEC_HASH)),
        "{message}"
    );
    assert_eq!(shop.calls(), ["v1 reserve"]);
}

#[tokio::test]
async fn replaying_with_the_same_version_finishes_and_runs_each_step_once() {
    let shop = Shop::default();

    let result = LocalRunner::new()
        .run(
            redeploy_v1::handler(shop.clone(), redeploy_v1::Functions {}),
            order(),
        )
        .await;

    assert_eq!(result.output(), Some(&Outcome::Shipped));
    assert_eq!(result.invocation_count(), 2);
    assert_eq!(shop.calls(), ["v1 reserve", "v1 ship"]);
    let names: Vec<_> = result.operations().iter().map(|op| op.name()).collect();
    assert_eq!(
        names,
        [
            Some("workflow:spec-hash"),
            Some("reserve"),
            Some("cool-down"),
            Some("ship")
        ]
    );
    assert_ne!(redeploy_v1::SPEC_HASH, redeploy_v2::SPEC_HASH);
}
