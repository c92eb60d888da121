#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics: Retry, catch, error kinds, durations, counts, callbacks, parallel and invoke.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn a_callback_without_timeout_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack }
"#,
        )),
        r#"error: callback step `ack` has no `timeout`
 --> demo.workflow.yaml:8:17
  |
8 |       callback: { submit: send_ack, result: crate::Ack }
  |                 ^
  |
  = help: add e.g. `timeout: 5m`; without one a lost callback would wait forever"#
    );
}

#[test]
fn a_heartbeat_not_shorter_than_the_timeout_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 5m, heartbeat: 300s }
"#,
        )),
        r#"error: `heartbeat` (5m) must be shorter than `timeout` (5m)
 --> demo.workflow.yaml:8:81
  |
8 |       callback: { submit: send_ack, result: crate::Ack, timeout: 5m, heartbeat: 300s }
  |                                                                                 ^^^^
  |
  = help: remove `heartbeat` or make it shorter than `timeout`"#
    );
}

#[test]
fn an_undeclared_error_kind_in_retry_suggests_the_declared_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 3, on: [Transiant] }
"#,
        )),
        r#"error: undeclared error kind `Transiant`
 --> demo.workflow.yaml:9:34
  |
9 |       retry: { attempts: 3, on: [Transiant] }
  |                                  ^^^^^^^^^
  |
  = help: did you mean `Transient`?"#
    );
}

#[test]
fn an_undeclared_error_kind_in_catch_says_where_to_declare_it() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first:
      task: do_first
      catch: [{ error: Throttled, finish: Done }]
finish: Done
"#
        ),
        r#"error: undeclared error kind `Throttled`
 --> demo.workflow.yaml:9:24
  |
9 |       catch: [{ error: Throttled, finish: Done }]
  |                        ^^^^^^^^^
  |
  = help: declare it under `errors:`, e.g. `Throttled: <what it means>`"#
    );
}

#[test]
fn a_builtin_error_kind_cannot_be_retried() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 5m }
      retry: { attempts: 3, on: [CallbackTimeout] }
"#,
        )),
        r#"error: built-in error kind `CallbackTimeout` cannot be retried
 --> demo.workflow.yaml:9:34
  |
9 |       retry: { attempts: 3, on: [CallbackTimeout] }
  |                                  ^^^^^^^^^^^^^^^
  |
  = help: handle it with `catch: [{ error: CallbackTimeout, ... }]`"#
    );
}

#[test]
fn a_builtin_error_kind_is_raised_only_by_its_step_kind() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first:
      task: do_first
      catch: [{ error: CallbackTimeout, finish: Done }]
finish: Done
"#
        ),
        r#"error: step `first` never raises `CallbackTimeout`
 --> demo.workflow.yaml:9:24
  |
9 |       catch: [{ error: CallbackTimeout, finish: Done }]
  |                        ^^^^^^^^^^^^^^^
  |
  = help: only `callback` steps raise `CallbackTimeout`"#
    );
}

#[test]
fn a_builtin_error_kind_cannot_be_declared() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
  CallbackTimeout: mine
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: error kind `CallbackTimeout` is built in and cannot be declared
 --> demo.workflow.yaml:6:3
  |
6 |   CallbackTimeout: mine
  |   ^^^^^^^^^^^^^^^
  |
  = help: remove it from `errors:`; `catch` can name it as it is"#
    );
}

#[test]
fn an_error_kind_caught_twice_is_rejected() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first:
      task: do_first
      catch:
        - { error: Transient, finish: Done }
        - { error: Transient, fail: broken }
finish: Done
"#
        ),
        r#"error: error kind `Transient` is caught twice in step `first`
  --> demo.workflow.yaml:11:20
   |
11 |         - { error: Transient, fail: broken }
   |                    ^^^^^^^^^
   |
   = help: keep one rule per error kind"#
    );
}

#[test]
fn a_catch_needs_exactly_one_action() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first:
      task: do_first
      catch: [{ error: Transient, finish: Done, fail: broken }]
finish: Done
"#
        ),
        r#"error: the catch of `Transient` must have exactly one of `finish`, `goto` or `fail`
 --> demo.workflow.yaml:9:15
  |
9 |       catch: [{ error: Transient, finish: Done, fail: broken }]
  |               ^
  |
  = help: e.g. `{ error: VersionConflict, finish: Superseded }`"#
    );
}

#[test]
fn a_duration_without_unit_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - pause: { wait: 30 }
  - first: { task: do_first }
"#,
        )),
        r#"error: invalid duration `30` in `wait`: expected a whole number and a unit (`ms`, `s`, `m` or `h`)
 --> demo.workflow.yaml:7:20
  |
7 |   - pause: { wait: 30 }
  |                    ^^
  |
  = help: write e.g. `500ms`, `30s`, `5m` or `1h`"#
    );
}

#[test]
fn a_duration_with_an_unknown_unit_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 2d }
"#,
        )),
        r#"error: invalid duration `2d` in `timeout`: unknown unit `d` (expected `ms`, `s`, `m` or `h`)
 --> demo.workflow.yaml:8:66
  |
8 |       callback: { submit: send_ack, result: crate::Ack, timeout: 2d }
  |                                                                  ^^
  |
  = help: write e.g. `500ms`, `30s`, `5m` or `1h`"#
    );
}

#[test]
fn a_zero_wait_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - pause: { wait: 0s }
"#,
        )),
        r#"error: invalid duration `0s` in `wait`: it must be longer than 0s
 --> demo.workflow.yaml:7:20
  |
7 |   - pause: { wait: 0s }
  |                    ^^"#
    );
}

#[test]
fn zero_attempts_are_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 0, on: [Transient] }
"#,
        )),
        r#"error: invalid count `0` in `attempts`: it must be between 1 and 1000
 --> demo.workflow.yaml:9:26
  |
9 |       retry: { attempts: 0, on: [Transient] }
  |                          ^
  |
  = help: `attempts` counts the first try too; `attempts: 1` means no retry"#
    );
}

#[test]
fn a_backoff_below_one_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 3, backoff: 0.5, on: [Transient] }
"#,
        )),
        r#"error: invalid rate `0.5` in `backoff`: it must be between 1.0 and 100.0
 --> demo.workflow.yaml:9:38
  |
9 |       retry: { attempts: 3, backoff: 0.5, on: [Transient] }
  |                                      ^^^"#
    );
}

#[test]
fn a_max_delay_shorter_than_the_delay_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 3, delay: 10s, max-delay: 5s, on: [Transient] }
"#,
        )),
        r#"error: `max-delay` (5s) is shorter than `delay` (10s)
 --> demo.workflow.yaml:9:52
  |
9 |       retry: { attempts: 3, delay: 10s, max-delay: 5s, on: [Transient] }
  |                                                    ^^"#
    );
}

#[test]
fn an_unknown_jitter_suggests_the_closest() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 3, jitter: ful, on: [Transient] }
"#,
        )),
        r#"error: unknown jitter `ful`
 --> demo.workflow.yaml:9:37
  |
9 |       retry: { attempts: 3, jitter: ful, on: [Transient] }
  |                                     ^^^
  |
  = help: did you mean `full`?"#
    );
}

#[test]
fn a_retry_on_nothing_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: 3, on: [] }
"#,
        )),
        r#"error: `on` lists no error kind, so nothing would be retried
 --> demo.workflow.yaml:9:33
  |
9 |       retry: { attempts: 3, on: [] }
  |                                 ^
  |
  = help: name the declared error kinds to retry, e.g. `on: [Transient]`"#
    );
}

#[test]
fn a_parallel_with_one_branch_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - gather:
      parallel:
        only: { task: only_one }
"#,
        )),
        r#"error: parallel step `gather` has 1 branch; it needs at least two
 --> demo.workflow.yaml:9:9
  |
9 |         only: { task: only_one }
  |         ^
  |
  = help: use a `task` step for a single activity"#
    );
}

#[test]
fn an_invoke_needs_env_or_name() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - call:
      invoke: { function: {}, input: crate::Req }
"#,
        )),
        r#"error: `function` needs exactly one of `env` or `name`
 --> demo.workflow.yaml:8:27
  |
8 |       invoke: { function: {}, input: crate::Req }
  |                           ^
  |
  = help: e.g. `function: { env: FETCH_ORDER_HISTORY_ACTIVITY_ARN }`"#
    );
}

#[test]
fn an_invoke_env_must_be_a_variable_name() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - call:
      invoke: { function: { env: fetch-arn }, input: crate::Req }
"#,
        )),
        r#"error: invalid environment variable name `fetch-arn`
 --> demo.workflow.yaml:8:34
  |
8 |       invoke: { function: { env: fetch-arn }, input: crate::Req }
  |                                  ^^^^^^^^^
  |
  = help: use uppercase letters, digits and `_`, e.g. `FETCH_ORDER_HISTORY_ACTIVITY_ARN`"#
    );
}

#[test]
fn an_early_finish_needs_an_output() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      finish-unless: { field: has_changed, outcome: NoChange }
"#,
        )),
        r#"error: `finish-unless` needs an output, but step `first` has no `output`
 --> demo.workflow.yaml:9:22
  |
9 |       finish-unless: { field: has_changed, outcome: NoChange }
  |                      ^
  |
  = help: give the step an `output:` type with a `bool` field"#
    );
}

#[test]
fn an_unknown_catch_kind_suggests_a_builtin() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 5m }
      catch: [{ error: CallbackTimout, finish: Late }]
"#,
        )),
        r#"error: undeclared error kind `CallbackTimout`
 --> demo.workflow.yaml:9:24
  |
9 |       catch: [{ error: CallbackTimout, finish: Late }]
  |                        ^^^^^^^^^^^^^^
  |
  = help: did you mean `CallbackTimeout`?"#
    );
}
