//! The code generated for `group` steps, run under the SDK's `LocalRunner`: a group's steps run in a child
//! context named after it and its value (its last step's, through a nested group) is read after it; a step
//! inside may finish the workflow (a `succeed` in a choice arm, a catch) and the steps after the group do not
//! run; an uncaught failure inside fails the execution with the activity's kind; the wait inside suspends the
//! execution and the replay does not run the group's finished steps again. The operations each route records
//! are the ones `workflow cost` counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Order {
    pub hold: bool,
    pub unavailable: bool,
    pub broken: bool,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Shipped,
    Cancelled,
    Held,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Check {
    pub hold: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Hold {
    pub units: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Reservation {
    pub reference: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Shipment {
    pub reference: String,
}

workflow_runtime::workflow!("tests/ui/fixtures/group.workflow.yaml");

use group::{Activities, Error, ErrorKind};

#[derive(Clone, Default)]
struct Warehouse {
    calls: Arc<Mutex<Vec<String>>>,
}

impl Warehouse {
    fn record(&self, call: impl Into<String>) {
        self.calls.lock().unwrap().push(call.into());
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl Activities for Warehouse {
    async fn check(&self, input: &Order) -> Result<Check, Error> {
        self.record("check");
        Ok(Check { hold: input.hold })
    }

    async fn hold_stock(&self, input: &Order) -> Result<Hold, Error> {
        self.record("hold_stock");
        if input.unavailable {
            return Err(Error::new(ErrorKind::Unavailable, "no stock"));
        }
        if input.broken {
            return Err(Error::new(ErrorKind::Broken, "the warehouse is down"));
        }
        Ok(Hold { units: 3 })
    }

    async fn confirm_hold(&self, hold_stock: &Hold, check: &Check) -> Result<Reservation, Error> {
        self.record("confirm_hold");
        assert!(!check.hold);
        Ok(Reservation {
            reference: format!("R-{}", hold_stock.units),
        })
    }

    async fn ship(&self, _input: &Order, reserve: &Reservation) -> Result<Shipment, Error> {
        self.record(format!("ship {}", reserve.reference));
        Ok(Shipment {
            reference: reserve.reference.clone(),
        })
    }
}

async fn run(order: Order) -> (TestResult<Outcome>, Vec<String>) {
    let warehouse = Warehouse::default();
    let result = LocalRunner::new()
        .run(
            group::handler(warehouse.clone(), group::Functions {}),
            order,
        )
        .await;
    (result, warehouse.calls())
}

fn names(result: &TestResult<Outcome>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.name().unwrap_or("-"), op.status()))
        .collect()
}

/// The number of operations `workflow cost` gives the route whose steps are `route` (as `workflow paths` lists
/// them).
fn costed_operations(route: &str) -> usize {
    let file = "tests/ui/fixtures/group.workflow.yaml";
    let workflow = workflow_spec::load(&std::fs::read_to_string(file).unwrap(), file).unwrap();
    let routes = workflow_spec::routes(&workflow).unwrap();
    let found = routes
        .iter()
        .find(|candidate| candidate.to_string() == route)
        .unwrap_or_else(|| panic!("no route {route}"));
    assert!(found.operations.per_map.is_empty());
    usize::try_from(found.operations.fixed).unwrap()
}

#[tokio::test]
async fn the_group_runs_in_its_own_context_and_its_value_is_read_after_it() {
    let (result, calls) = run(Order::default()).await;

    assert_eq!(result.output(), Some(&Outcome::Shipped));
    // The wait inside the group suspended the execution once; no activity ran twice.
    assert_eq!(calls, ["check", "hold_stock", "confirm_hold", "ship R-3"]);
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash Succeeded",
            "check Succeeded",
            "reserve Succeeded",
            "hold-stock Succeeded",
            "settle Succeeded",
            "confirm Succeeded",
            "confirm-hold Succeeded",
            "ship Succeeded",
        ]
    );
    let route = "check -> reserve -> hold-stock -> settle -> on-hold [false] -> confirm -> \
                 confirm-hold -> ship => Shipped";
    assert_eq!(result.operations().len(), costed_operations(route));
}

#[tokio::test]
async fn a_succeed_inside_the_group_finishes_the_workflow_and_skips_the_rest() {
    let (result, calls) = run(Order {
        hold: true,
        ..Order::default()
    })
    .await;

    assert_eq!(result.output(), Some(&Outcome::Held));
    assert_eq!(calls, ["check", "hold_stock"]);
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash Succeeded",
            "check Succeeded",
            "reserve Succeeded",
            "hold-stock Succeeded",
            "settle Succeeded",
        ]
    );
    let route = "check -> reserve -> hold-stock -> settle -> on-hold [true] -> stop => Held";
    assert_eq!(result.operations().len(), costed_operations(route));
}

#[tokio::test]
async fn a_catch_inside_the_group_finishes_the_workflow() {
    let (result, calls) = run(Order {
        unavailable: true,
        ..Order::default()
    })
    .await;

    assert_eq!(result.output(), Some(&Outcome::Cancelled));
    assert_eq!(calls, ["check", "hold_stock"]);
    let route = "check -> reserve -> hold-stock [Unavailable] => Cancelled";
    assert_eq!(result.operations().len(), costed_operations(route));
}

#[tokio::test]
async fn an_uncaught_failure_inside_the_group_fails_the_execution_with_its_kind() {
    let (result, calls) = run(Order {
        broken: true,
        ..Order::default()
    })
    .await;

    assert!(result.is_failure());
    assert_eq!(result.error_type(), Some("Broken"), "{result:?}");
    assert!(
        result
            .error_message()
            .is_some_and(|message| message.contains("the warehouse is down")),
        "{:?}",
        result.error_message()
    );
    assert_eq!(calls, ["check", "hold_stock"]);
    let statuses = names(&result);
    assert!(
        statuses.contains(&"reserve Failed".to_string()),
        "{statuses:?}"
    );
    assert!(!statuses.iter().any(|name| name.starts_with("ship")));
}

workflow_runtime::workflow!("tests/ui/fixtures/group-ends.workflow.yaml");

struct Notes(Arc<Mutex<Vec<String>>>);

impl group_ends::Activities for Notes {
    async fn note_order(&self, input: &Order) -> Result<(), group_ends::Error> {
        self.0
            .lock()
            .unwrap()
            .push(format!("note hold={}", input.hold));
        Ok(())
    }
}

#[tokio::test]
async fn a_group_without_a_value_runs_and_a_group_that_always_finishes_ends_the_workflow() {
    for (hold, outcome) in [(true, Outcome::Held), (false, Outcome::Shipped)] {
        let notes = Arc::new(Mutex::new(Vec::new()));
        let result = LocalRunner::new()
            .run(
                group_ends::handler(Notes(Arc::clone(&notes)), group_ends::Functions {}),
                Order {
                    hold,
                    ..Order::default()
                },
            )
            .await;

        assert_eq!(result.output(), Some(&outcome));
        assert_eq!(*notes.lock().unwrap(), [format!("note hold={hold}")]);
        assert_eq!(
            names(&result),
            [
                "workflow:spec-hash Succeeded",
                "note Succeeded",
                "note-order Succeeded",
                "decide Succeeded",
                "pause Succeeded",
            ]
        );
    }
}

workflow_runtime::workflow!("tests/ui/fixtures/group-fails.workflow.yaml");

impl group_fails::Activities for Notes {
    async fn note_order(&self, input: &Order) -> Result<(), group_fails::Error> {
        self.0
            .lock()
            .unwrap()
            .push(format!("note hold={}", input.hold));
        Ok(())
    }
}

#[tokio::test]
async fn a_fail_step_inside_a_group_fails_the_execution_with_its_message() {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let result = LocalRunner::new()
        .run(
            group_fails::handler(Notes(Arc::clone(&notes)), group_fails::Functions {}),
            Order {
                hold: true,
                ..Order::default()
            },
        )
        .await;

    assert!(result.is_failure());
    assert_eq!(result.error_type(), Some("WorkflowFailed"), "{result:?}");
    // The group's failure is the step's, without the child context's own frame.
    assert_eq!(
        result.error_message(),
        Some("WorkflowFailed: workflow failed at step `refuse`: held orders are not shipped")
    );
    assert!(notes.lock().unwrap().is_empty());
}
