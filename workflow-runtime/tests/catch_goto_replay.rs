//! A caught failure is recorded like any other result: when a later operation suspends the
//! execution, the replay reads the recorded failure's kind and takes the same `goto` again,
//! without running the failed activity a second time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::LocalRunner;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("tests/fixtures/catch-goto.workflow.yaml");

use catch_goto::{Error, ErrorKind};

struct Warehouse {
    rejects: bool,
    calls: Arc<Mutex<Vec<&'static str>>>,
}

impl catch_goto::Activities for Warehouse {
    async fn reserve(&self, _order: &Order) -> Result<(), Error> {
        self.calls.lock().unwrap().push("reserve");
        if self.rejects {
            return Err(Error::new(ErrorKind::Rejected, "no stock"));
        }
        Ok(())
    }
    async fn ship(&self) -> Result<(), Error> {
        self.calls.lock().unwrap().push("ship");
        Ok(())
    }
    async fn notify(&self, _order: &Order) -> Result<(), Error> {
        self.calls.lock().unwrap().push("notify");
        Ok(())
    }
}

async fn run(rejects: bool) -> (Vec<&'static str>, Vec<String>, usize) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let warehouse = Warehouse {
        rejects,
        calls: Arc::clone(&calls),
    };
    let result = LocalRunner::new()
        .run(
            catch_goto::handler(warehouse, catch_goto::Functions {}),
            Order { id: "o-7".into() },
        )
        .await;
    assert_eq!(result.output(), Some(&Outcome::Done));
    let operations = result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.name().unwrap_or("-"), op.status()))
        .collect();
    let calls = calls.lock().unwrap().clone();
    (calls, operations, result.invocation_count())
}

#[tokio::test]
async fn a_caught_rejection_skips_to_its_target_on_every_replay() {
    let (calls, operations, invocations) = run(true).await;

    assert_eq!(calls, ["reserve", "notify"]);
    assert_eq!(invocations, 2);
    assert_eq!(
        operations,
        [
            "workflow:spec-hash Succeeded",
            "reserve Failed",
            "cool-down Succeeded",
            "notify Succeeded"
        ]
    );
}

#[tokio::test]
async fn without_a_failure_the_skipped_range_runs() {
    let (calls, operations, invocations) = run(false).await;

    assert_eq!(calls, ["reserve", "ship", "notify"]);
    assert_eq!(invocations, 2);
    assert_eq!(
        operations,
        [
            "workflow:spec-hash Succeeded",
            "reserve Succeeded",
            "ship Succeeded",
            "cool-down Succeeded",
            "notify Succeeded"
        ]
    );
}
