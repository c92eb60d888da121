#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The IR and the flowchart of `tests/fixtures/poll.workflow.yaml`: each poll's check, `done` field, waits and
//! bounds, its retry and catches, and the reads of and by a poll.

use std::time::Duration;

use workflow_spec::{CatchAction, Poll, ReadSource, Step, StepKind, Workflow, load, mermaid};

const SPEC: &str = include_str!("fixtures/poll.workflow.yaml");

fn workflow() -> Workflow {
    load(SPEC, "poll.workflow.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn poll(step: &Step) -> &Poll {
    match &step.kind {
        StepKind::Poll(poll) => poll,
        other => panic!("`{}` is not a poll: {other:?}", step.id),
    }
}

fn sources(step: &Step) -> Vec<ReadSource> {
    step.reads.iter().map(|read| read.source).collect()
}

#[test]
fn a_poll_bounded_by_checks_keeps_a_fixed_interval() {
    let workflow = workflow();
    let step = &workflow.steps[1];
    assert_eq!(step.id, "await-pickup");
    let pickup = poll(step);
    assert_eq!(pickup.task.method, "check_pickup");
    assert_eq!(pickup.task.output.as_ref().unwrap().path, "crate::Pickup");
    assert_eq!(pickup.done, "picked_up");
    assert_eq!(pickup.interval, Duration::from_secs(10));
    assert!((pickup.backoff_rate - 1.0).abs() < f64::EPSILON);
    // Without `max-interval`: 5 minutes, or the interval if that is longer.
    assert_eq!(pickup.max_interval, Duration::from_secs(300));
    assert_eq!(pickup.max_attempts, Some(3));
    assert_eq!(pickup.deadline, None);
    assert_eq!(step.retry, None);
    let caught: Vec<&str> = step.catches.iter().map(|c| c.error.as_str()).collect();
    assert_eq!(caught, ["PollTimeout", "Lost"]);
    for catch in &step.catches {
        assert_eq!(
            catch.action,
            CatchAction::Goto {
                id: "cancel-shipment".to_string(),
                index: 5
            }
        );
    }
}

#[test]
fn a_poll_bounded_by_a_deadline_grows_its_interval_and_retries_failed_checks() {
    let workflow = workflow();
    let step = &workflow.steps[2];
    assert_eq!(step.id, "await-delivery");
    let delivery = poll(step);
    assert_eq!(delivery.task.method, "check_delivery");
    assert_eq!(delivery.done, "delivered");
    assert_eq!(delivery.interval, Duration::from_secs(60));
    assert!((delivery.backoff_rate - 2.0).abs() < f64::EPSILON);
    assert_eq!(delivery.max_interval, Duration::from_secs(600));
    assert_eq!(delivery.max_attempts, None);
    assert_eq!(delivery.deadline, Some(Duration::from_secs(1800)));
    let retry = step.retry.as_ref().unwrap();
    assert_eq!(retry.max_attempts, 3);
    assert_eq!(retry.on, ["Transient"]);
    let early = step.early_finish.as_ref().unwrap();
    assert_eq!(
        (early.field.as_str(), early.finish_when),
        ("returned", true)
    );
    assert_eq!(step.catches[0].error, "Lost");
    assert!(
        matches!(&step.catches[0].action, CatchAction::Finish(outcome) if outcome.name == "ParcelLost")
    );
}

#[test]
fn a_poll_reads_earlier_values_and_its_output_is_read_after_it() {
    let workflow = workflow();
    let all = workflow.all_steps();
    let ids: Vec<&str> = all.iter().map(|step| step.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "create-shipment",
            "await-pickup",
            "await-delivery",
            "confirm",
            "delivered",
            "cancel-shipment",
            "settle"
        ]
    );
    assert_eq!(sources(all[1]), [ReadSource::Step(0)]);
    assert_eq!(sources(all[2]), [ReadSource::Input, ReadSource::Step(1)]);
    assert_eq!(sources(all[3]), [ReadSource::Step(1), ReadSource::Step(2)]);
    for poll_step in [all[1], all[2]] {
        assert!(poll_step.is_readable(), "{}", poll_step.id);
        assert_eq!(
            poll_step.output_type(),
            poll(poll_step).task.output.as_ref()
        );
    }
}

#[test]
fn the_interval_is_the_cap_when_it_is_longer_than_the_default_one() {
    let spec = "workflow: demo
input: crate::Input
output: crate::Outcome
steps:
  - slow:
      poll: { task: check, done: ready, interval: 10m, deadline: 1h }
      output: crate::Check
finish: Done
";
    let workflow = load(spec, "demo.workflow.yaml").unwrap_or_else(|d| panic!("{d}"));
    let slow = poll(&workflow.steps[0]);
    assert_eq!(slow.max_interval, Duration::from_secs(600));
    assert_eq!(slow.max_attempts, None);
}

#[test]
fn a_poll_inside_a_choice_arm_is_read_after_the_choice_when_the_other_arm_ends() {
    let spec = "workflow: demo
input: crate::Input
output: crate::Outcome
steps:
  - order: { task: order, reads: [input], output: crate::Order }
  - route:
      choice:
        on: order.express
        when:
          true:
            - track: { poll: { task: track, done: arrived, interval: 1m, max-attempts: 5 }, output: crate::Track }
          false:
            - slow: { succeed: Slow }
  - notify: { task: notify, reads: [track] }
finish: Done
";
    let workflow = load(spec, "demo.workflow.yaml").unwrap_or_else(|d| panic!("{d}"));
    let all = workflow.all_steps();
    assert_eq!(all[2].id, "track");
    assert_eq!(sources(all[4]), [ReadSource::Step(2)]);
}

#[test]
fn the_flowchart_draws_each_poll_with_its_repeated_check() {
    assert_eq!(
        mermaid(&workflow()),
        r#"---
title: "poll-shipment: 2 to 5 durable operations, worst case 0s to 30m 20s plus the activities' own time"
---
flowchart TD
    start(("poll-shipment"))
    create_shipment["create-shipment<br/>task create_shipment"]
    await_pickup[/"await-pickup<br/>poll check_pickup until picked_up<br/>every 10s<br/>at most 3 checks"\]
    await_delivery[/"await-delivery<br/>poll check_delivery until delivered<br/>every 1m, x2 up to 10m<br/>deadline 30m<br/>retry: 3 attempts on Transient"\]
    confirm["confirm<br/>task confirm"]
    delivered(["delivered<br/>succeed"])
    cancel_shipment["cancel-shipment<br/>task cancel_shipment"]
    settle[/"settle<br/>wait 1m"/]
    outcome_Returned(["Returned"])
    outcome_ParcelLost(["ParcelLost"])
    outcome_Delivered(["Delivered"])
    outcome_Cancelled(["Cancelled"])
    start --> create_shipment
    create_shipment --> await_pickup
    await_pickup -. "PollTimeout" .-> cancel_shipment
    await_pickup -. "Lost" .-> cancel_shipment
    await_pickup -- "not picked_up" --> await_pickup
    await_pickup --> await_delivery
    await_delivery -- "returned" --> outcome_Returned
    await_delivery -. "Lost" .-> outcome_ParcelLost
    await_delivery -- "not delivered" --> await_delivery
    await_delivery --> confirm
    confirm --> delivered
    delivered --> outcome_Delivered
    cancel_shipment --> settle
    settle --> outcome_Cancelled
"#
    );
}
