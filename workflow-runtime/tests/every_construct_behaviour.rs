//! The code generated for a spec with every construct, run under the SDK's `LocalRunner`:
//! early finish, a failing parallel branch caught into a `goto`, the `fail` step, an invoke,
//! a wait, a callback with heartbeat answered or timed out, and `succeed`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use serde::{Deserialize, Serialize};
use workflow_runtime::FunctionTarget;

#[derive(Debug, Serialize, Deserialize)]
pub struct Input {
    pub order: u32,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    AlreadyDone,
    Unconfirmed,
    Confirmed,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Prepared {
    pub already_done: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Left(u32);

#[derive(Debug, Serialize, Deserialize)]
pub struct PartnerRequest {
    pub left: u32,
}

impl From<(&(Left, ()), &Prepared)> for PartnerRequest {
    fn from((fan_out, _prepared): (&(Left, ()), &Prepared)) -> Self {
        Self { left: fan_out.0.0 }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: String,
}

workflow_runtime::workflow!("tests/ui/fixtures/every-construct.workflow.yaml");

use every_construct::{Activities, Error, ErrorKind};

type Calls = Arc<Mutex<Vec<String>>>;

struct Everything {
    right_rejects: bool,
    calls: Calls,
}

impl Everything {
    fn record(&self, call: impl Into<String>) {
        self.calls.lock().unwrap().push(call.into());
    }
}

impl Activities for Everything {
    async fn prepare(&self, input: &Input) -> Result<Prepared, Error> {
        self.record("prepare");
        Ok(Prepared {
            already_done: input.order == 0,
        })
    }

    async fn left(&self, _prepare: &Prepared) -> Result<Left, Error> {
        self.record("left");
        Ok(Left(7))
    }

    async fn right(&self) -> Result<(), Error> {
        self.record("right");
        if self.right_rejects {
            return Err(Error::new(ErrorKind::Rejected, "the partner said no"));
        }
        Ok(())
    }

    async fn ask_for_confirmation(
        &self,
        callback_id: &str,
        _prepare: &Prepared,
    ) -> Result<(), Error> {
        assert!(!callback_id.is_empty());
        self.record("ask_for_confirmation");
        Ok(())
    }

    async fn compensate(&self, _input: &Input, _prepare: &Prepared) -> Result<(), Error> {
        self.record("compensate");
        Ok(())
    }
}

async fn run(
    runner: LocalRunner,
    order: u32,
    right_rejects: bool,
) -> (TestResult<Outcome>, Vec<String>) {
    let calls = Calls::default();
    let partner_calls = Arc::clone(&calls);
    let functions = every_construct::Functions {
        call_partner: FunctionTarget::in_process(move |request: PartnerRequest| {
            let partner_calls = Arc::clone(&partner_calls);
            async move {
                partner_calls
                    .lock()
                    .unwrap()
                    .push(format!("partner {}", request.left));
                Ok(())
            }
        }),
    };
    let activities = Everything {
        right_rejects,
        calls: Arc::clone(&calls),
    };
    let result = runner
        .run(
            every_construct::handler(activities, functions),
            Input { order },
        )
        .await;
    let calls = calls.lock().unwrap().clone();
    (result, calls)
}

fn names(result: &TestResult<Outcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.name().unwrap_or("-"), op.status()))
        .collect()
}

#[tokio::test]
async fn finish_if_ends_the_workflow_right_after_its_step() {
    let (result, calls) = run(LocalRunner::new(), 0, false).await;

    assert_eq!(result.output(), Some(&Outcome::AlreadyDone));
    assert_eq!(calls, ["prepare"]);
    assert_eq!(
        names(&result),
        ["workflow:spec-hash Succeeded", "prepare Succeeded"]
    );
}

#[tokio::test]
async fn a_rejected_branch_goes_to_compensate_and_the_fail_step_fails_the_execution() {
    let (result, mut calls) = run(LocalRunner::new(), 1, true).await;

    assert!(result.is_failure());
    assert_eq!(result.error_type(), Some("WorkflowFailed"));
    assert_eq!(
        result.error_message(),
        Some("WorkflowFailed: workflow failed at step `give-up`: compensated after a failure")
    );
    // The two branches run concurrently; their order is not specified.
    calls[1..3].sort();
    assert_eq!(calls, ["prepare", "left", "right", "compensate"]);
}

#[tokio::test]
async fn a_confirmed_order_invokes_the_partner_waits_and_succeeds() {
    let by = Confirmation { by: "ops".into() };
    let (result, mut calls) = run(LocalRunner::new().callback_success(&by), 1, false).await;

    assert_eq!(result.output(), Some(&Outcome::Confirmed));
    calls[1..3].sort();
    assert_eq!(
        calls,
        [
            "prepare",
            "left",
            "right",
            "partner 7",
            "ask_for_confirmation"
        ]
    );
    let names = names(&result);
    assert_eq!(
        names[..7],
        [
            "workflow:spec-hash Succeeded",
            "prepare Succeeded",
            "left Succeeded",
            "right Succeeded",
            "call-partner Succeeded",
            "pause Succeeded",
            "confirm Succeeded",
        ]
    );
}

#[tokio::test]
async fn an_unanswered_confirmation_finishes_unconfirmed() {
    let (result, _calls) = run(LocalRunner::new().callback_timeout(), 1, false).await;

    assert_eq!(result.output(), Some(&Outcome::Unconfirmed));
}
