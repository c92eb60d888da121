#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics: Step ids, references between steps, reachability, cycles and the final outcome.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn a_duplicate_step_id_names_the_first_line() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
  - first: { task: do_again }
"#,
        )),
        r#"error: duplicate step id `first`
 --> demo.workflow.yaml:8:5
  |
8 |   - first: { task: do_again }
  |     ^^^^^
  |
  = help: `first` is already used on line 7; ids name durable operations and must be unique"#
    );
}

#[test]
fn a_branch_id_may_not_repeat_a_step_id() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
  - both:
      parallel:
        first: { task: left }
        right: { task: right }
"#,
        )),
        r#"error: duplicate step id `first`
  --> demo.workflow.yaml:10:9
   |
10 |         first: { task: left }
   |         ^^^^^
   |
   = help: `first` is already used on line 7; ids name durable operations and must be unique"#
    );
}

#[test]
fn reading_an_unknown_step_suggests_the_closest_id() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - upgrade-tier: { task: upgrade_tier, output: crate::Saved }
  - record: { task: record, reads: [upgrade-tire] }
"#,
        )),
        r#"error: step `record` reads unknown step `upgrade-tire`
 --> demo.workflow.yaml:8:37
  |
8 |   - record: { task: record, reads: [upgrade-tire] }
  |                                     ^^^^^^^^^^^^
  |
  = help: did you mean `upgrade-tier`?"#
    );
}

#[test]
fn reading_a_later_step_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first, reads: [second] }
  - second: { task: do_second, output: crate::Second }
"#,
        )),
        r#"error: step `first` reads `second`, which does not run before it
 --> demo.workflow.yaml:7:38
  |
7 |   - first: { task: do_first, reads: [second] }
  |                                      ^^^^^^
  |
  = help: `second` runs later; move it before `first`"#
    );
}

#[test]
fn reading_its_own_output_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first, reads: [first], output: crate::First }
"#,
        )),
        r#"error: step `first` reads its own output
 --> demo.workflow.yaml:7:38
  |
7 |   - first: { task: do_first, reads: [first], output: crate::First }
  |                                      ^^^^^
  |
  = help: a step can read only `input` and steps that run before it"#
    );
}

#[test]
fn reading_a_step_a_catch_can_skip_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      catch: [{ error: Transient, goto: third }]
  - second: { task: do_second, output: crate::Second }
  - third: { task: do_third, reads: [second] }
"#,
        )),
        r#"error: step `third` reads `second`, which does not always run before it
  --> demo.workflow.yaml:11:38
   |
11 |   - third: { task: do_third, reads: [second] }
   |                                      ^^^^^^
   |
   = help: the catch in `first` goes to `third`, skipping `second`"#
    );
}

#[test]
fn reading_a_step_that_failed_into_its_catch_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      output: crate::First
      catch: [{ error: Transient, goto: second }]
  - second: { task: do_second, reads: [first] }
"#,
        )),
        r#"error: step `second` reads `first`, which does not always run before it
  --> demo.workflow.yaml:11:40
   |
11 |   - second: { task: do_second, reads: [first] }
   |                                        ^^^^^
   |
   = help: when `first` fails, its catch goes to `second`"#
    );
}

#[test]
fn reading_a_step_without_output_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
  - second: { task: do_second, reads: [first] }
"#,
        )),
        r#"error: step `second` reads `first`, which has no output
 --> demo.workflow.yaml:8:40
  |
8 |   - second: { task: do_second, reads: [first] }
  |                                        ^^^^^
  |
  = help: give `first` an `output:` type, or stop reading it"#
    );
}

#[test]
fn reading_a_value_twice_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first, reads: [input, input] }
"#,
        )),
        r#"error: step `first` reads `input` twice
 --> demo.workflow.yaml:7:45
  |
7 |   - first: { task: do_first, reads: [input, input] }
  |                                             ^^^^^
  |
  = help: list each value once"#
    );
}

#[test]
fn a_goto_to_an_unknown_step_suggests_the_closest_id() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      catch: [{ error: Transient, goto: secnd }]
  - second: { task: do_second }
"#,
        )),
        r#"error: `goto` names unknown step `secnd`
 --> demo.workflow.yaml:9:41
  |
9 |       catch: [{ error: Transient, goto: secnd }]
  |                                         ^^^^^
  |
  = help: did you mean `second`?"#
    );
}

#[test]
fn a_step_after_succeed_is_unreachable() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
  - stop: { succeed: Done }
  - never: { task: never_runs }
"#,
        )),
        r#"error: unreachable step `never`
 --> demo.workflow.yaml:9:5
  |
9 |   - never: { task: never_runs }
  |     ^^^^^
  |
  = help: the step before it always ends the workflow and no `goto` leads here"#
    );
}

#[test]
fn a_goto_backwards_is_a_cycle() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
  - second:
      task: do_second
      catch: [{ error: Transient, goto: first }]
"#,
        )),
        r#"error: cycle: the catch in step `second` goes back to the earlier step `first`
  --> demo.workflow.yaml:10:41
   |
10 |       catch: [{ error: Transient, goto: first }]
   |                                         ^^^^^
   |
   = help: `goto` may only jump forward; use `retry` to run a step again"#
    );
}

#[test]
fn a_goto_to_itself_is_a_cycle() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      catch: [{ error: Transient, goto: first }]
"#,
        )),
        r#"error: cycle: the catch in step `first` goes back to itself
 --> demo.workflow.yaml:9:41
  |
9 |       catch: [{ error: Transient, goto: first }]
  |                                         ^^^^^
  |
  = help: `goto` may only jump forward; use `retry` to run a step again"#
    );
}

#[test]
fn two_steps_cannot_share_an_activity_method() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_it }
  - second: { task: do_it }
"#,
        )),
        r#"error: activity method `do_it` of `second` is already used by `first`
 --> demo.workflow.yaml:8:5
  |
8 |   - second: { task: do_it }
  |     ^^^^^^
  |
  = help: each task, branch and submitter needs its own method name"#
    );
}

#[test]
fn a_workflow_that_can_complete_needs_a_finish() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first: { task: do_first }
"#
        ),
        r#"error: the workflow has no `finish` outcome for when its last step `first` completes
 --> demo.workflow.yaml:7:3
  |
7 |   - first: { task: do_first }
  |   ^
  |
  = help: add e.g. `finish: Completed` at the top level (a variant of the output enum)"#
    );
}

#[test]
fn reading_a_branch_says_to_read_its_parallel_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { task: left, output: crate::Left }
        right: { task: right }
  - after: { task: after, reads: [left] }
"#,
        )),
        r#"error: step `after` reads unknown step `left`
  --> demo.workflow.yaml:11:35
   |
11 |   - after: { task: after, reads: [left] }
   |                                   ^^^^
   |
   = help: `left` is a branch of `both`; read `both` to get all its branch outputs"#
    );
}

#[test]
fn a_step_after_fail_is_unreachable() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - stop: { fail: gave up }
  - never: { task: never_runs }
"#
        ),
        r#"error: unreachable step `never`
 --> demo.workflow.yaml:8:5
  |
8 |   - never: { task: never_runs }
  |     ^^^^^
  |
  = help: the step before it always ends the workflow and no `goto` leads here"#
    );
}

#[test]
fn a_branch_reading_its_own_parallel_step_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { task: left, reads: [both] }
        right: { task: right }
"#,
        )),
        r#"error: branch `left` reads `both`, the parallel step it belongs to
 --> demo.workflow.yaml:9:37
  |
9 |         left: { task: left, reads: [both] }
  |                                     ^^^^
  |
  = help: a branch can read only `input` and steps that run before `both`"#
    );
}
