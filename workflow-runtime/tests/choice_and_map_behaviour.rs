//! The code generated for `choice` and `map` steps, run under the SDK's `LocalRunner`: the arm
//! an enum or bool field selects, `otherwise`, an arm that finishes, arms rejoining; a map's
//! results in input order, its concurrency bound, tolerated and too many failures, batches, and
//! the durable operations each element costs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};

include!("support/choice_and_map.rs");

async fn run(script: Script) -> (TestResult<Outcome>, Arc<Log>) {
    let log = Arc::clone(&script.log);
    let functions = choice_and_map::Functions {};
    let result = LocalRunner::new()
        .run(
            choice_and_map::handler(script, functions),
            Input {
                account: "a-1".into(),
            },
        )
        .await;
    (result, log)
}

/// The calls of arms (not of the maps, whose order is not specified).
fn arm_calls(log: &Log) -> Vec<String> {
    calls(log)
        .into_iter()
        .filter(|call| !call.starts_with("notify ") && !call.starts_with("score "))
        .collect()
}

fn receipts(names: &[&str]) -> Vec<Receipt> {
    names
        .iter()
        .map(|name| Receipt {
            member: (*name).to_string(),
        })
        .collect()
}

#[tokio::test]
async fn an_enum_field_selects_its_arm_and_the_arms_rejoin() {
    let (result, log) = run(Script::new(Tier::Gold, true, 3)).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    assert_eq!(
        arm_calls(&log),
        [
            "load_members a-1",
            "gold_gift",
            "gold_note lounge pass",
            "vip_lounge"
        ]
    );
}

#[tokio::test]
async fn a_value_without_an_arm_takes_otherwise_and_a_false_bool_skips_its_choice() {
    let (result, log) = run(Script::new(Tier::Silver, false, 3)).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    assert_eq!(
        arm_calls(&log),
        ["load_members a-1", "standard_note Silver"]
    );
}

#[tokio::test]
async fn an_arm_that_succeeds_finishes_the_workflow() {
    let (result, log) = run(Script::new(Tier::Closed, true, 3)).await;

    assert_eq!(result.output(), Some(&Outcome::AccountClosed));
    assert_eq!(calls(&log), ["load_members a-1"]);
    let names: Vec<&str> = result
        .operations()
        .iter()
        .filter_map(|op| op.name())
        .collect();
    assert_eq!(names, ["workflow:spec-hash", "load-members"]);
}

#[tokio::test]
async fn a_map_returns_the_results_in_input_order_whatever_order_they_finish_in() {
    let (result, log) = run(Script::new(Tier::Silver, false, 5)).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    let notified: Vec<String> = calls(&log)
        .into_iter()
        .filter(|call| call.starts_with("notify "))
        .collect();
    // With two at a time and later members faster, m1 finishes before m0.
    assert_eq!(notified.first().map(String::as_str), Some("notify m1"));
    let (receipts_seen, labels) = log.recorded.lock().unwrap().clone().unwrap();
    assert_eq!(receipts_seen, receipts(&["m0", "m1", "m2", "m3", "m4"]));
    assert_eq!(
        labels.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        [
            "m0+m1 of 5 notified",
            "m2+m3 of 5 notified",
            "m4 of 5 notified"
        ]
    );
}

#[tokio::test]
async fn a_map_runs_at_most_max_concurrency_elements_at_once() {
    let (result, log) = run(Script::new(Tier::Silver, false, 6)).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    assert_eq!(log.most_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_batched_map_hands_each_call_a_slice_of_the_elements() {
    let (_result, log) = run(Script::new(Tier::Silver, false, 5)).await;

    let mut scored: Vec<String> = calls(&log)
        .into_iter()
        .filter(|call| call.starts_with("score "))
        .collect();
    scored.sort();
    assert_eq!(scored, ["score m0+m1", "score m2+m3", "score m4"]);
}

#[tokio::test]
async fn a_tolerated_failure_leaves_the_element_out_of_the_results() {
    let mut script = Script::new(Tier::Silver, false, 4);
    script.unreachable = vec!["m2"];
    let (result, log) = run(script).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    let (receipts_seen, _labels) = log.recorded.lock().unwrap().clone().unwrap();
    assert_eq!(receipts_seen, receipts(&["m0", "m1", "m3"]));
}

#[tokio::test]
async fn more_failures_than_tolerated_raise_too_many_failures_which_the_map_catches() {
    let mut script = Script::new(Tier::Silver, false, 4);
    script.unreachable = vec!["m1", "m3"];
    let (result, log) = run(script).await;

    assert_eq!(result.output(), Some(&Outcome::TooManyUnreachable));
    assert!(log.recorded.lock().unwrap().is_none());
}

#[tokio::test]
async fn a_retried_element_suspends_the_map_and_the_replay_runs_no_element_twice() {
    let mut script = Script::new(Tier::Silver, false, 4);
    script.flaky = vec!["m1"];
    let (result, log) = run(script).await;

    assert_eq!(result.output(), Some(&Outcome::Notified));
    assert!(
        result.invocation_count() >= 2,
        "the retry delay ends an invocation"
    );
    let mut notified: Vec<String> = calls(&log)
        .into_iter()
        .filter(|call| call.starts_with("notify "))
        .collect();
    notified.sort();
    assert_eq!(
        notified,
        [
            "notify m0",
            "notify m1",
            "notify m1",
            "notify m2",
            "notify m3"
        ]
    );
    assert_eq!(
        calls(&log)
            .iter()
            .filter(|call| call.starts_with("load_members"))
            .count(),
        1
    );
    let (receipts_seen, _labels) = log.recorded.lock().unwrap().clone().unwrap();
    assert_eq!(receipts_seen, receipts(&["m0", "m1", "m2", "m3"]));
}

/// Durable operations: the map is one operation, and each element (or batch) one child context
/// plus one per step it runs.
#[tokio::test]
async fn each_element_costs_a_child_context_and_one_operation_per_step() {
    for count in [2usize, 4, 6] {
        let (result, _log) = run(Script::new(Tier::Silver, false, count)).await;
        assert_eq!(result.output(), Some(&Outcome::Notified));
        let operations = result.operations();
        let named = |name: &str| {
            operations
                .iter()
                .filter(|op| op.name() == Some(name))
                .count()
        };
        // `notify` runs one task per element: the map, then per element its context and its step.
        let notify_elements = named("notify") - 1;
        assert_eq!(notify_elements, count, "one `notify` step per element");
        let of_sub_type = |sub_type: &str| {
            operations
                .iter()
                .filter(|op| op.op_type() == "Context" && op.sub_type() == Some(sub_type))
                .count()
        };
        assert_eq!(of_sub_type("Map"), 2, "`notify` and `summarise`");
        // One child context per element of `notify` and per batch of two of `summarise`.
        let batches = count.div_ceil(2);
        assert_eq!(of_sub_type("MapIteration"), count + batches);
        // workflow:spec-hash, load-members, standard-note, record; notify: 1 + 2 per element;
        // summarise: 1 + 3 per batch of two (its context, `score`, `label`).
        assert_eq!(operations.len(), 4 + (1 + 2 * count) + (1 + 3 * batches));
    }
}

/// The cost model of `workflow cost` (workflow-spec's routes) is what the SDK records: for the route each run
/// takes, the operations computed for its element count equal the operations `LocalRunner` recorded.
#[tokio::test]
async fn the_operations_workflow_cost_computes_are_the_operations_recorded() {
    let source = include_str!("ui/fixtures/choice-and-map.workflow.yaml");
    let workflow = workflow_spec::load(source, "choice-and-map.workflow.yaml").unwrap();
    let routes = workflow_spec::routes(&workflow).unwrap();
    let route = |text: &str| {
        routes
            .iter()
            .find(|route| route.to_string() == text)
            .unwrap_or_else(|| panic!("no route `{text}`"))
    };
    let cases = [
        (
            Tier::Silver,
            false,
            "load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify -> summarise -> record => Notified",
            Outcome::Notified,
        ),
        (
            Tier::Gold,
            true,
            "load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record => Notified",
            Outcome::Notified,
        ),
        (
            Tier::Closed,
            true,
            "load-members -> route [Closed] -> closed => AccountClosed",
            Outcome::AccountClosed,
        ),
    ];
    for (tier, vip, text, outcome) in cases {
        for count in [1usize, 4, 5] {
            let (result, _log) = run(Script::new(tier, vip, count)).await;
            assert_eq!(result.output(), Some(&outcome), "{text}");
            assert_eq!(
                route(text).operations.with_elements(count as u64),
                result.operations().len() as u64,
                "{text} with {count} elements"
            );
        }
    }
}

/// A second workflow: steps after a choice read what the arms that go on produced.
mod values {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Input {
        pub level: Level,
        pub urgent: bool,
    }

    #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
    pub enum Level {
        High,
        Middle,
        Low,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Check {
        pub level: Level,
        pub urgent: bool,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Note(pub String);

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Count(pub usize);

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Outcome {
        Skipped,
        Done,
    }

    workflow_runtime::workflow!("tests/fixtures/choice-values.workflow.yaml");

    #[derive(Default)]
    pub struct Notes {
        pub calls: Mutex<Vec<String>>,
    }

    impl choice_values::Activities for Arc<Notes> {
        async fn check(&self, input: &Input) -> Result<Check, choice_values::Error> {
            Ok(Check {
                level: input.level,
                urgent: input.urgent,
            })
        }
        async fn high(&self) -> Result<Note, choice_values::Error> {
            self.calls.lock().unwrap().push("high".into());
            Ok(Note("high".into()))
        }
        async fn middle(&self, check: &Check) -> Result<Note, choice_values::Error> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("middle {:?}", check.level));
            Ok(Note("middle".into()))
        }
        async fn calm(&self) -> Result<Note, choice_values::Error> {
            Ok(Note("calm".into()))
        }
        async fn calm_count(&self, calm: &Note) -> Result<Count, choice_values::Error> {
            Ok(Count(calm.0.len()))
        }
        async fn record(
            &self,
            calm_count: &Count,
            calm: &Note,
        ) -> Result<(), choice_values::Error> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("record {} {}", calm.0, calm_count.0));
            Ok(())
        }
    }

    pub async fn run(level: Level, urgent: bool) -> (TestResult<Outcome>, Vec<String>) {
        let notes = Arc::new(Notes::default());
        let result = LocalRunner::new()
            .run(
                choice_values::handler(Arc::clone(&notes), choice_values::Functions {}),
                Input { level, urgent },
            )
            .await;
        let calls = notes.calls.lock().unwrap().clone();
        (result, calls)
    }
}

#[tokio::test]
async fn a_step_after_a_choice_reads_the_values_of_the_arm_that_went_on() {
    let (result, calls) = values::run(values::Level::High, false).await;
    assert_eq!(result.output(), Some(&values::Outcome::Done));
    assert_eq!(calls, ["high", "record calm 4"]);

    let (result, calls) = values::run(values::Level::Middle, false).await;
    assert_eq!(result.output(), Some(&values::Outcome::Done));
    assert_eq!(calls, ["middle Middle", "record calm 4"]);
}

#[tokio::test]
async fn the_arms_that_end_the_workflow_finish_or_fail_it() {
    let (result, calls) = values::run(values::Level::Low, false).await;
    assert_eq!(result.output(), Some(&values::Outcome::Skipped));
    assert!(calls.is_empty());

    let (result, calls) = values::run(values::Level::High, true).await;
    assert_eq!(result.error_type(), Some("WorkflowFailed"));
    assert_eq!(calls, ["high"]);
}
