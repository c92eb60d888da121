//! `semantics:` under the SDK's `LocalRunner`. An interruption is an invocation that dies after a step's START
//! checkpoint and before its outcome checkpoint: the runner rejects the outcome write as a retryable
//! failure, the invocation fails, and the runner invokes again, replaying the recorded START. The
//! at-most-once `charge` is then not run again (the SDK records the interrupted attempt as failed, and the
//! step's retry policy, which retries only declared kinds, stops), while the default `notify` runs again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("tests/fixtures/semantics.workflow.yaml");

use semantics::Error;

struct Shop {
    calls: Arc<Mutex<Vec<&'static str>>>,
}

impl semantics::Activities for Shop {
    async fn charge(&self, _order: &Order) -> Result<(), Error> {
        self.calls.lock().unwrap().push("charge");
        Ok(())
    }
    async fn notify(&self, _order: &Order) -> Result<(), Error> {
        self.calls.lock().unwrap().push("notify");
        Ok(())
    }
}

/// Runs the workflow under `runner`: the activities called, in order, and the result.
async fn run(runner: LocalRunner) -> (Vec<&'static str>, TestResult<Outcome>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let shop = Shop {
        calls: Arc::clone(&calls),
    };
    let result = runner
        .run(
            semantics::handler(shop, semantics::Functions {}),
            Order { id: "o-1".into() },
        )
        .await;
    let calls = calls.lock().unwrap().clone();
    (calls, result)
}

fn operations(result: &TestResult<Outcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.name().unwrap_or("-"), op.status()))
        .collect()
}

#[tokio::test]
async fn without_an_interruption_each_activity_runs_once() {
    let (calls, result) = run(LocalRunner::new()).await;
    assert_eq!(result.output(), Some(&Outcome::Done));
    assert_eq!(calls, ["charge", "notify"]);
    assert_eq!(
        operations(&result),
        [
            "workflow:spec-hash Succeeded",
            "charge Succeeded",
            "notify Succeeded"
        ]
    );
}

// The checkpoint writes, in order: the spec-hash step's START and outcome, `charge`'s START and outcome,
// `notify`'s START and outcome.
const CHARGE_OUTCOME: usize = 3;
const NOTIFY_OUTCOME: usize = 5;

#[tokio::test]
async fn an_interrupted_at_most_once_attempt_is_not_run_again() {
    let runner = LocalRunner::new().fail_checkpoints_after_retryable(CHARGE_OUTCOME, 1);
    let (calls, result) = run(runner).await;
    assert_eq!(calls, ["charge"], "charge ran once, notify never");
    assert_eq!(result.invocation_count(), 2);
    assert!(result.is_failure());
    let message = result.error_message().unwrap();
    assert!(
        message.contains("step interrupted (AtMostOncePerRetry)"),
        "{message}"
    );
    assert_eq!(
        operations(&result),
        ["workflow:spec-hash Succeeded", "charge Failed"],
        "the interruption has no declared kind: `retry` (on Declined) does not retry it"
    );
}

#[tokio::test]
async fn an_interrupted_at_least_once_attempt_runs_again() {
    let runner = LocalRunner::new().fail_checkpoints_after_retryable(NOTIFY_OUTCOME, 1);
    let (calls, result) = run(runner).await;
    assert_eq!(result.output(), Some(&Outcome::Done));
    assert_eq!(calls, ["charge", "notify", "notify"]);
    assert_eq!(result.invocation_count(), 2);
    assert_eq!(
        operations(&result),
        [
            "workflow:spec-hash Succeeded",
            "charge Succeeded",
            "notify Succeeded"
        ]
    );
}
