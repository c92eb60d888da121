#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics of `poll`: its keys, its check and `done` field, its waits and bounds, the `PollTimeout` it
//! raises, and what it may read and be read by.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn an_unknown_poll_key_suggests_the_closest_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ship: { task: ship, output: crate::Shipment }
  - await-delivery:
      poll: { task: check_delivery, done: delivered, intervall: 30s, max-attempts: 10 }
      reads: [ship]
      output: crate::Delivery
"#,
        )),
        r#"error: unknown key `intervall`
 --> demo.workflow.yaml:9:54
  |
9 |       poll: { task: check_delivery, done: delivered, intervall: 30s, max-attempts: 10 }
  |                                                      ^^^^^^^^^
  |
  = help: did you mean `interval`?"#
    );
}

#[test]
fn a_poll_needs_a_task() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll:
        done: delivered
        interval: 30s
        max-attempts: 10
      output: crate::Delivery
"#,
        )),
        r#"error: missing key `task` in `poll`
 --> demo.workflow.yaml:8:7
  |
8 |       poll:
  |       ^^^^
  |
  = help: add `task:` to `poll`"#
    );
}

#[test]
fn a_poll_needs_a_done_field() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: missing key `done` in `poll`
 --> demo.workflow.yaml:8:7
  |
8 |       poll: { task: check_delivery, interval: 30s, max-attempts: 10 }
  |       ^^^^
  |
  = help: add `done:` to `poll`"#
    );
}

#[test]
fn a_poll_needs_an_output() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
"#,
        )),
        r#"error: poll step `await-delivery` has no `output`
 --> demo.workflow.yaml:8:13
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
  |             ^
  |
  = help: give the step an `output:` type with the `bool` field `delivered`: each check returns it and it says whether the poll is done"#
    );
}

#[test]
fn the_done_field_must_be_snake_case() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: isDelivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: invalid field name `isDelivered` in `done`: expected a snake_case Rust identifier
 --> demo.workflow.yaml:8:43
  |
8 |       poll: { task: check_delivery, done: isDelivered, interval: 30s, max-attempts: 10 }
  |                                           ^^^^^^^^^^^
  |
  = help: use `is_delivered`"#
    );
}

#[test]
fn a_poll_needs_max_attempts_or_a_deadline() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s }
      output: crate::Delivery
"#,
        )),
        r#"error: poll step `await-delivery` has neither `max-attempts` nor `deadline`
 --> demo.workflow.yaml:8:13
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s }
  |             ^
  |
  = help: add e.g. `max-attempts: 10` or `deadline: 1h` (or both); without a bound, a check that is never done would poll forever"#
    );
}

#[test]
fn max_attempts_must_be_at_least_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 0 }
      output: crate::Delivery
"#,
        )),
        r#"error: invalid count `0` in `max-attempts`: it must be between 1 and 100000
 --> demo.workflow.yaml:8:83
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 0 }
  |                                                                                   ^
  |
  = help: `max-attempts` is the number of checks the poll makes at most"#
    );
}

#[test]
fn an_interval_needs_a_unit() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: invalid duration `30` in `interval`: expected a whole number and a unit (`ms`, `s`, `m` or `h`)
 --> demo.workflow.yaml:8:64
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30, max-attempts: 10 }
  |                                                                ^^
  |
  = help: write e.g. `500ms`, `30s`, `5m` or `1h`"#
    );
}

#[test]
fn a_deadline_must_be_longer_than_zero() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, deadline: 0s }
      output: crate::Delivery
"#,
        )),
        r#"error: invalid duration `0s` in `deadline`: it must be longer than 0s
 --> demo.workflow.yaml:8:79
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s, deadline: 0s }
  |                                                                               ^^"#
    );
}

#[test]
fn max_interval_is_not_shorter_than_interval() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, backoff: 2.0, max-interval: 10s, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: `max-interval` (10s) is shorter than `interval` (30s)
 --> demo.workflow.yaml:8:97
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s, backoff: 2.0, max-interval: 10s, max-attempts: 10 }
  |                                                                                                 ^^^"#
    );
}

#[test]
fn a_poll_backoff_is_between_1_and_100() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, backoff: 0.5, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: invalid rate `0.5` in `backoff`: it must be between 1.0 and 100.0
 --> demo.workflow.yaml:8:78
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 30s, backoff: 0.5, max-attempts: 10 }
  |                                                                              ^^^"#
    );
}

#[test]
fn a_deadline_shorter_than_the_interval_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 5m, deadline: 1m }
      output: crate::Delivery
"#,
        )),
        r#"error: `deadline` (1m) is shorter than `interval` (5m): the poll would check only once
 --> demo.workflow.yaml:8:78
  |
8 |       poll: { task: check_delivery, done: delivered, interval: 5m, deadline: 1m }
  |                                                                              ^^
  |
  = help: make `deadline` longer than `interval`, or use a `task` step for a single check"#
    );
}

#[test]
fn poll_timeout_is_raised_only_by_polls() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ship:
      task: ship
      output: crate::Shipment
      catch: [{ error: PollTimeout, finish: Late }]
"#,
        )),
        r#"error: step `ship` never raises `PollTimeout`
  --> demo.workflow.yaml:10:24
   |
10 |       catch: [{ error: PollTimeout, finish: Late }]
   |                        ^^^^^^^^^^^
   |
   = help: only `poll` steps raise `PollTimeout`"#
    );
}

#[test]
fn a_poll_never_raises_too_many_failures() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
      catch: [{ error: TooManyFailures, finish: Late }]
"#,
        )),
        r#"error: step `await-delivery` never raises `TooManyFailures`
  --> demo.workflow.yaml:10:24
   |
10 |       catch: [{ error: TooManyFailures, finish: Late }]
   |                        ^^^^^^^^^^^^^^^
   |
   = help: only `map` steps raise `TooManyFailures`"#
    );
}

#[test]
fn poll_timeout_cannot_be_retried() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
      retry: { attempts: 3, on: [PollTimeout] }
"#,
        )),
        r#"error: built-in error kind `PollTimeout` cannot be retried
  --> demo.workflow.yaml:10:34
   |
10 |       retry: { attempts: 3, on: [PollTimeout] }
   |                                  ^^^^^^^^^^^
   |
   = help: handle it with `catch: [{ error: PollTimeout, ... }]`"#
    );
}

#[test]
fn the_step_a_poll_timeout_goes_to_may_not_read_the_poll() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
      catch: [{ error: PollTimeout, goto: escalate }]
  - confirm: { task: confirm, reads: [await-delivery] }
  - escalate: { task: escalate, reads: [await-delivery] }
"#,
        )),
        r#"error: step `escalate` reads `await-delivery`, which does not always run before it
  --> demo.workflow.yaml:12:41
   |
12 |   - escalate: { task: escalate, reads: [await-delivery] }
   |                                         ^^^^^^^^^^^^^^
   |
   = help: when `await-delivery` fails, its catch goes to `escalate`"#
    );
}

#[test]
fn a_poll_may_not_read_a_later_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      reads: [ship]
      output: crate::Delivery
  - ship: { task: ship, output: crate::Shipment }
"#,
        )),
        r#"error: step `await-delivery` reads `ship`, which does not run before it
 --> demo.workflow.yaml:9:15
  |
9 |       reads: [ship]
  |               ^^^^
  |
  = help: `ship` runs later; move it before `await-delivery`"#
    );
}

#[test]
fn a_poll_reads_only_what_always_ran_before_it() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ship:
      task: ship
      output: crate::Shipment
      catch: [{ error: Transient, goto: await-delivery }]
  - label: { task: label, output: crate::Label }
  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      reads: [label]
      output: crate::Delivery
"#,
        )),
        r#"error: step `await-delivery` reads `label`, which does not always run before it
  --> demo.workflow.yaml:14:15
   |
14 |       reads: [label]
   |               ^^^^^
   |
   = help: the catch in `ship` goes to `await-delivery`, skipping `label`"#
    );
}

#[test]
fn only_tasks_run_inside_a_map_not_polls() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list: { task: list, output: crate::Shipments }
  - each:
      map:
        items: list.shipments
        item: crate::Shipment
        steps:
          - await-delivery:
              poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
              reads: [item]
              output: crate::Delivery
"#,
        )),
        r#"error: step `await-delivery` in map `each` is a poll step
  --> demo.workflow.yaml:13:13
   |
13 |           - await-delivery:
   |             ^^^^^^^^^^^^^^
   |
   = help: only `task` steps run inside a `map`"#
    );
}

#[test]
fn a_poll_check_method_is_one_method_of_the_trait() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check_delivery, output: crate::Delivery }
  - await-delivery:
      poll: { task: check_delivery, done: delivered, interval: 30s, max-attempts: 10 }
      output: crate::Delivery
"#,
        )),
        r#"error: activity method `check_delivery` of `await-delivery` is already used by `check`
 --> demo.workflow.yaml:8:5
  |
8 |   - await-delivery:
  |     ^^^^^^^^^^^^^^
  |
  = help: each task, branch and submitter needs its own method name"#
    );
}
