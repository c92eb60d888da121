#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics of `semantics`: its values, and the step kinds that run no activity as an SDK step.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn a_semantics_value_suggests_the_closest_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - charge: { task: charge_card, semantics: at-most-one }
"#,
        )),
        r#"error: unknown semantics `at-most-one`
 --> demo.workflow.yaml:7:45
  |
7 |   - charge: { task: charge_card, semantics: at-most-one }
  |                                             ^^^^^^^^^^^
  |
  = help: did you mean `at-most-once`? the values are `at-least-once` and `at-most-once`"#
    );
}

#[test]
fn an_unknown_semantics_lists_the_values() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - charge: { task: charge_card, semantics: exactly-once }
"#,
        )),
        r#"error: unknown semantics `exactly-once`
 --> demo.workflow.yaml:7:45
  |
7 |   - charge: { task: charge_card, semantics: exactly-once }
  |                                             ^^^^^^^^^^^^
  |
  = help: the values are `at-least-once` and `at-most-once`"#
    );
}

#[test]
fn semantics_is_not_allowed_on_a_wait_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - pause: { wait: 30s, semantics: at-most-once }
"#,
        )),
        r#"error: `semantics` is not allowed on the wait step `pause`
 --> demo.workflow.yaml:7:36
  |
7 |   - pause: { wait: 30s, semantics: at-most-once }
  |                                    ^^^^^^^^^^^^
  |
  = help: `semantics` applies only to activities the SDK runs as a step: `task` steps, parallel branches and a map's tasks"#
    );
}

#[test]
fn semantics_is_not_allowed_on_an_invoke_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - call:
      invoke: { function: { name: other }, input: crate::Payload }
      semantics: at-most-once
"#,
        )),
        r#"error: `semantics` is not allowed on the invoke step `call`
 --> demo.workflow.yaml:9:18
  |
9 |       semantics: at-most-once
  |                  ^^^^^^^^^^^^
  |
  = help: `semantics` applies only to activities the SDK runs as a step: `task` steps, parallel branches and a map's tasks"#
    );
}

#[test]
fn semantics_is_not_allowed_on_a_poll_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
      semantics: at-most-once
"#,
        )),
        r#"error: `semantics` is not allowed on the poll step `await-delivery`
  --> demo.workflow.yaml:10:18
   |
10 |       semantics: at-most-once
   |                  ^^^^^^^^^^^^
   |
   = help: a poll's checks run in the SDK's wait-for-condition, which has no step semantics"#
    );
}

#[test]
fn semantics_is_not_allowed_on_a_callback_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - approval:
      callback: { submit: request_approval, result: crate::Approval, timeout: 1h }
      semantics: at-most-once
"#,
        )),
        r#"error: `semantics` is not allowed on the callback step `approval`
 --> demo.workflow.yaml:9:18
  |
9 |       semantics: at-most-once
  |                  ^^^^^^^^^^^^
  |
  = help: the SDK runs a callback's submitter without a choice of semantics"#
    );
}

#[test]
fn semantics_is_not_allowed_on_a_map_with_steps() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - load: { task: load_orders, output: crate::Orders }
  - each:
      map:
        items: load.orders
        item: crate::Order
        steps:
          - ship: { task: ship_order, reads: [item] }
      semantics: at-most-once
"#,
        )),
        r#"error: `semantics` is not allowed on the map step `each`
  --> demo.workflow.yaml:14:18
   |
14 |       semantics: at-most-once
   |                  ^^^^^^^^^^^^
   |
   = help: give the map's steps their own `semantics`"#
    );
}

#[test]
fn a_branch_semantics_value_is_checked() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        charge: { task: charge_card, semantics: at-most-onse }
        notify: { task: notify }
"#,
        )),
        r#"error: unknown semantics `at-most-onse`
 --> demo.workflow.yaml:9:49
  |
9 |         charge: { task: charge_card, semantics: at-most-onse }
  |                                                 ^^^^^^^^^^^^
  |
  = help: did you mean `at-most-once`? the values are `at-least-once` and `at-most-once`"#
    );
}

#[test]
fn semantics_reaches_tasks_branches_and_map_tasks_and_is_none_when_not_written() {
    use workflow_spec::{Semantics, StepKind};
    let workflow = workflow_spec::load(
        &with_steps(
            r#"  - charge: { task: charge_card, semantics: at-most-once }
  - both:
      parallel:
        a: { task: a_task, semantics: at-least-once }
        b: { task: b_task }
      semantics: at-most-once
  - load: { task: load_orders, output: crate::Orders }
  - each:
      map: { items: load.orders, item: crate::Order, task: ship_order }
      reads: [item]
      semantics: at-most-once
"#,
        ),
        "demo.workflow.yaml",
    )
    .unwrap();
    assert_eq!(workflow.steps[0].semantics, Some(Semantics::AtMostOnce));
    let StepKind::Parallel(branches) = &workflow.steps[1].kind else {
        panic!("a parallel step")
    };
    assert_eq!(branches[0].semantics, Some(Semantics::AtLeastOnce));
    assert_eq!(
        branches[1].semantics,
        Some(Semantics::AtMostOnce),
        "the step's, inherited"
    );
    assert_eq!(workflow.steps[1].semantics, None);
    assert_eq!(workflow.steps[2].semantics, None);
    assert_eq!(
        workflow.steps[3].map_tasks()[0].semantics,
        Some(Semantics::AtMostOnce)
    );
}
