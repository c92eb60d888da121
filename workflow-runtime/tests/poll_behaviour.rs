//! The code generated for `poll` steps, run under the SDK's `LocalRunner`: a check done at once,
//! a check done after several, each check run once across the replays while the execution suspends
//! between them; `PollTimeout` after `max-attempts` (caught) and after the deadline (not caught); failed
//! checks retried by the step's `retry`, caught by kind, live and replayed; the durable operations a
//! poll costs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Shipment {
    pub tracking: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    pub picked_up: bool,
    /// Which check produced it (1-based).
    pub check: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub delivered: bool,
    pub returned: bool,
    /// Which call of `check_delivery` produced it (1-based).
    pub check: u32,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Returned,
    ParcelLost,
    Delivered,
    Cancelled,
}

workflow_runtime::workflow!("tests/ui/fixtures/poll.workflow.yaml");

use poll_shipment::{Activities, Error, ErrorKind};

/// What one check of the script reports.
#[derive(Debug, Clone, Copy)]
enum Check {
    NotYet,
    Done,
    Returned,
    Fail(ErrorKind),
}

/// The activities: each check answers from its script (`NotYet` once the script is used up).
struct Script {
    pickup: Vec<Check>,
    delivery: Vec<Check>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Script {
    fn new(pickup: &[Check], delivery: &[Check]) -> Self {
        Self {
            pickup: pickup.to_vec(),
            delivery: delivery.to_vec(),
            log: Arc::default(),
        }
    }

    /// Records `call` and returns how many times calls starting with `name` were recorded.
    fn record(&self, name: &str, call: String) -> u32 {
        let mut log = self.log.lock().unwrap();
        log.push(call);
        log.iter().filter(|c| c.starts_with(name)).count() as u32
    }
}

fn answer(script: &[Check], check: u32) -> Check {
    script
        .get(check as usize - 1)
        .copied()
        .unwrap_or(Check::NotYet)
}

impl Activities for Script {
    async fn create_shipment(&self, input: &Order) -> Result<Shipment, Error> {
        self.record("create_shipment", format!("create_shipment {}", input.id));
        Ok(Shipment {
            tracking: format!("t-{}", input.id),
        })
    }

    async fn check_pickup(&self, create_shipment: &Shipment) -> Result<Pickup, Error> {
        let check = self.record(
            "check_pickup",
            format!("check_pickup {}", create_shipment.tracking),
        );
        match answer(&self.pickup, check) {
            Check::Done | Check::Returned => Ok(Pickup {
                picked_up: true,
                check,
            }),
            Check::NotYet => Ok(Pickup {
                picked_up: false,
                check,
            }),
            Check::Fail(kind) => Err(Error::new(kind, format!("pickup check {check} failed"))),
        }
    }

    async fn check_delivery(
        &self,
        input: &Order,
        await_pickup: &Pickup,
    ) -> Result<Delivery, Error> {
        let check = self.record(
            "check_delivery",
            format!(
                "check_delivery {} after pickup {}",
                input.id, await_pickup.check
            ),
        );
        let (delivered, returned) = match answer(&self.delivery, check) {
            Check::Done => (true, false),
            Check::Returned => (true, true),
            Check::NotYet => (false, false),
            Check::Fail(kind) => {
                return Err(Error::new(kind, format!("delivery check {check} failed")));
            }
        };
        Ok(Delivery {
            delivered,
            returned,
            check,
        })
    }

    async fn confirm(&self, await_pickup: &Pickup, await_delivery: &Delivery) -> Result<(), Error> {
        self.record(
            "confirm",
            format!(
                "confirm pickup {} delivery {} delivered {}",
                await_pickup.check, await_delivery.check, await_delivery.delivered
            ),
        );
        Ok(())
    }

    async fn cancel_shipment(&self, create_shipment: &Shipment) -> Result<(), Error> {
        self.record(
            "cancel_shipment",
            format!("cancel_shipment {}", create_shipment.tracking),
        );
        Ok(())
    }
}

async fn run(script: Script) -> (TestResult<Outcome>, Vec<String>) {
    let log = Arc::clone(&script.log);
    let result = LocalRunner::new()
        .run(
            poll_shipment::handler(script, poll_shipment::Functions {}),
            Order { id: "o-1".into() },
        )
        .await;
    let calls = log.lock().unwrap().clone();
    (result, calls)
}

fn count(calls: &[String], name: &str) -> usize {
    calls.iter().filter(|call| call.starts_with(name)).count()
}

fn names(result: &TestResult<Outcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .filter_map(|op| op.name().map(str::to_owned))
        .collect()
}

use Check::{Done, Fail, NotYet, Returned};

#[tokio::test]
async fn a_check_done_at_once_runs_once_and_its_output_is_the_steps_value() {
    let (result, calls) = run(Script::new(&[Done], &[Done])).await;

    assert_eq!(result.output(), Some(&Outcome::Delivered));
    assert_eq!(
        calls,
        [
            "create_shipment o-1",
            "check_pickup t-o-1",
            "check_delivery o-1 after pickup 1",
            "confirm pickup 1 delivery 1 delivered true"
        ]
    );
    assert_eq!(result.invocation_count(), 1, "nothing waited");
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash",
            "create-shipment",
            "await-pickup",
            "await-delivery",
            "confirm"
        ]
    );
    let pickup = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-pickup"))
        .unwrap();
    assert_eq!(
        (pickup.op_type(), pickup.sub_type(), pickup.status()),
        ("Step", Some("WaitForCondition"), "Succeeded")
    );
}

#[tokio::test]
async fn a_check_done_after_several_suspends_between_checks_and_no_replay_repeats_a_check() {
    let (result, calls) = run(Script::new(&[NotYet, NotYet, Done], &[NotYet, Done])).await;

    assert_eq!(result.output(), Some(&Outcome::Delivered));
    // Each check ran exactly once although every wait ended the invocation and the next one replayed
    // the execution from the start: the checks before were answered from the checkpoint.
    assert_eq!(
        calls,
        [
            "create_shipment o-1",
            "check_pickup t-o-1",
            "check_pickup t-o-1",
            "check_pickup t-o-1",
            "check_delivery o-1 after pickup 3",
            "check_delivery o-1 after pickup 3",
            "confirm pickup 3 delivery 2 delivered true"
        ]
    );
    // Two waits between pickup checks, one between delivery checks.
    assert_eq!(result.invocation_count(), 4);
    let pickup = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-pickup"))
        .unwrap();
    assert!(pickup.succeeded());
    assert_eq!(
        pickup.attempt(),
        2,
        "two checks before the one that was done"
    );
    let recorded: serde_json::Value = serde_json::from_str(pickup.result().unwrap()).unwrap();
    assert_eq!(recorded["checks"], 2, "checks that were not done");
    assert_eq!(
        recorded["waitedSeconds"], 20,
        "two waits of the 10s interval"
    );
    assert_eq!(
        recorded["output"],
        serde_json::json!({ "picked_up": true, "check": 3 })
    );
}

#[tokio::test]
async fn max_attempts_used_up_raise_poll_timeout_which_the_catch_turns_into_its_goto() {
    let (result, calls) = run(Script::new(&[NotYet, NotYet, NotYet, Done], &[Done])).await;

    assert_eq!(result.output(), Some(&Outcome::Cancelled));
    assert_eq!(count(&calls, "check_pickup"), 3, "max-attempts: 3");
    assert_eq!(count(&calls, "check_delivery"), 0);
    assert_eq!(count(&calls, "cancel_shipment"), 1);
    let pickup = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-pickup"))
        .unwrap();
    assert!(pickup.failed());
    assert_eq!(
        pickup.error_message(),
        Some("not done after 3 checks (max-attempts: 3)")
    );
    // The wait after the goto suspended the execution; its replay took the same goto from the recorded
    // timeout without checking again.
    assert!(names(&result).contains(&"settle".to_string()));
    assert_eq!(count(&calls, "cancel_shipment"), 1);
}

#[tokio::test]
async fn the_deadline_reached_fails_the_workflow_with_poll_timeout_when_nothing_catches_it() {
    let (result, calls) = run(Script::new(&[Done], &[])).await;

    assert!(result.is_failure());
    // Waits of 1m, 2m, 4m, 8m and 10m after the first five checks; after the sixth (at 25m) the next would
    // start at 35m, after the 30m deadline.
    assert_eq!(count(&calls, "check_delivery"), 6);
    assert_eq!(count(&calls, "confirm"), 0);
    assert_eq!(result.error_type(), Some("PollTimeout"));
    let message = result.error_message().unwrap();
    assert!(
        message.contains(
            "poll `await-delivery` timed out: not done after 6 checks: the next check would start after \
             the deadline (30m)"
        ),
        "{message}"
    );
    let delivery = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-delivery"))
        .unwrap();
    assert!(delivery.failed());
}

#[tokio::test]
async fn a_failed_check_of_a_retried_kind_is_checked_again_after_the_retry_delay() {
    let (result, calls) = run(Script::new(
        &[Done],
        &[
            Fail(ErrorKind::Transient),
            NotYet,
            Fail(ErrorKind::Transient),
            Done,
        ],
    ))
    .await;

    assert_eq!(result.output(), Some(&Outcome::Delivered));
    assert_eq!(count(&calls, "check_delivery"), 4);
    assert!(calls.contains(&"confirm pickup 1 delivery 4 delivered true".to_string()));
    let delivery = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-delivery"))
        .unwrap();
    let recorded: serde_json::Value = serde_json::from_str(delivery.result().unwrap()).unwrap();
    // The failures were retried after 5s each (`jitter: none`) and did not count as checks; the one check
    // that was not done waited the 1m interval.
    assert_eq!(recorded["checks"], 1);
    assert_eq!(recorded["waitedSeconds"], 5 + 60 + 5);
    assert_eq!(result.invocation_count(), 4);
}

#[tokio::test]
async fn a_check_failing_more_often_than_its_retry_allows_fails_the_workflow_with_its_kind() {
    let transient = Fail(ErrorKind::Transient);
    let (result, calls) = run(Script::new(
        &[Done],
        &[transient, transient, transient, Done],
    ))
    .await;

    assert!(result.is_failure());
    assert_eq!(count(&calls, "check_delivery"), 3, "retry attempts: 3");
    assert_eq!(result.error_type(), Some("Transient"));
    let message = result.error_message().unwrap();
    assert!(
        message
            .contains("check of poll `await-delivery` failed: Transient: delivery check 3 failed"),
        "{message}"
    );
}

#[tokio::test]
async fn a_failed_check_is_caught_by_its_kind_and_the_replay_takes_the_same_goto() {
    let (result, calls) = run(Script::new(&[NotYet, Fail(ErrorKind::Lost), Done], &[Done])).await;

    assert_eq!(result.output(), Some(&Outcome::Cancelled));
    // `Lost` is not retried: the second check failed the poll, its catch went to `cancel-shipment`, and
    // the wait after it ended the invocation. The replay found the recorded failure, recovered its kind
    // and took the same goto, without checking again.
    assert_eq!(count(&calls, "check_pickup"), 2);
    assert_eq!(count(&calls, "cancel_shipment"), 1);
    assert!(
        result.invocation_count() >= 3,
        "a wait after each of the two checks"
    );
    let pickup = result
        .operations()
        .iter()
        .find(|op| op.name() == Some("await-pickup"))
        .unwrap();
    assert!(pickup.failed());
    assert_eq!(pickup.error_type(), Some("WaitForConditionError"));
}

#[tokio::test]
async fn a_failed_check_of_a_caught_kind_finishes_the_workflow() {
    let (result, calls) = run(Script::new(&[Done], &[NotYet, Fail(ErrorKind::Lost)])).await;

    assert_eq!(result.output(), Some(&Outcome::ParcelLost));
    assert_eq!(count(&calls, "check_delivery"), 2);
    assert_eq!(count(&calls, "confirm"), 0);
}

#[tokio::test]
async fn the_early_finish_reads_the_output_of_the_last_check() {
    let (result, calls) = run(Script::new(&[Done], &[NotYet, Returned])).await;

    assert_eq!(result.output(), Some(&Outcome::Returned));
    assert_eq!(count(&calls, "check_delivery"), 2);
    assert_eq!(count(&calls, "confirm"), 0);
}

/// Durable operations: a poll is one operation however many checks it makes; each wait between checks
/// ends an invocation (one more invocation per wait), and each check is a new attempt of that operation.
#[tokio::test]
async fn a_poll_costs_one_durable_operation_whatever_its_number_of_checks() {
    for (pickup_checks, delivery_checks) in [(1usize, 1usize), (3, 1), (1, 4), (3, 5)] {
        let mut pickup = vec![NotYet; pickup_checks - 1];
        pickup.push(Done);
        let mut delivery = vec![NotYet; delivery_checks - 1];
        delivery.push(Done);
        let (result, calls) = run(Script::new(&pickup, &delivery)).await;

        assert_eq!(result.output(), Some(&Outcome::Delivered));
        assert_eq!(count(&calls, "check_pickup"), pickup_checks);
        assert_eq!(count(&calls, "check_delivery"), delivery_checks);
        let operations = result.operations();
        // workflow:spec-hash, create-shipment, await-pickup, await-delivery, confirm.
        assert_eq!(
            operations.len(),
            5,
            "{pickup_checks} and {delivery_checks} checks"
        );
        let polls: Vec<(u32, &str)> = operations
            .iter()
            .filter(|op| op.sub_type() == Some("WaitForCondition"))
            .map(|op| (op.attempt(), op.op_type()))
            .collect();
        assert_eq!(
            polls,
            [
                (pickup_checks as u32 - 1, "Step"),
                (delivery_checks as u32 - 1, "Step")
            ]
        );
        assert_eq!(
            result.invocation_count(),
            1 + (pickup_checks - 1) + (delivery_checks - 1)
        );
    }
}
