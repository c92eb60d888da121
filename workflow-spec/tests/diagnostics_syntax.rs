#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics: Malformed YAML, unknown and missing keys, values of the wrong shape, steps without or with two kinds.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn malformed_yaml_points_at_the_broken_line() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first: { task: do_first
"#
        ),
        r#"error: invalid YAML: unclosed bracket '{'
 --> demo.workflow.yaml:7:12
  |
7 |   - first: { task: do_first
  |            ^"#
    );
}

#[test]
fn an_empty_file_says_what_to_write() {
    assert_eq!(
        diagnostics(
            r#"# nothing here
"#
        ),
        r#"error: the workflow file is empty
 --> demo.workflow.yaml:1:1
  |
1 | # nothing here
  | ^
  |
  = help: start with `workflow: <name>`, `input:`, `output:` and `steps:`"#
    );
}

#[test]
fn an_unknown_key_suggests_the_closest_key() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      taks: do_first
"#,
        )),
        r#"error: unknown key `taks`
 --> demo.workflow.yaml:8:7
  |
8 |       taks: do_first
  |       ^^^^
  |
  = help: did you mean `task`?"#
    );
}

#[test]
fn an_unknown_top_level_key_is_rejected() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
erors:
  Transient: worth retrying
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: unknown key `erors`
 --> demo.workflow.yaml:4:1
  |
4 | erors:
  | ^^^^^
  |
  = help: did you mean `errors`?"#
    );
}

#[test]
fn a_missing_required_key_is_reported() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
steps:
  - first: { task: do_first }
"#
        ),
        r#"error: missing key `output`
 --> demo.workflow.yaml:1:1
  |
1 | workflow: demo
  | ^
  |
  = help: add `output:` at the top level"#
    );
}

#[test]
fn a_value_of_the_wrong_type_is_reported() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      retry: { attempts: six, on: [Transient] }
"#,
        )),
        r#"error: expected a whole number, found `six`
 --> demo.workflow.yaml:9:26
  |
9 |       retry: { attempts: six, on: [Transient] }
  |                          ^^^"#
    );
}

#[test]
fn a_step_needs_a_kind() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { output: crate::First }
"#,
        )),
        r#"error: step `first` has no kind
 --> demo.workflow.yaml:7:5
  |
7 |   - first: { output: crate::First }
  |     ^^^^^
  |
  = help: give it one of `task`, `parallel`, `invoke`, `callback`, `wait`, `succeed`, `fail`, `choice`, `map`, `poll`, `group` or `use`"#
    );
}

#[test]
fn a_step_has_only_one_kind() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first, wait: 5s }
"#,
        )),
        r#"error: step `first` has two kinds, `task` and `wait`
 --> demo.workflow.yaml:7:5
  |
7 |   - first: { task: do_first, wait: 5s }
  |     ^^^^^
  |
  = help: a step does one thing; split it into two steps"#
    );
}

#[test]
fn one_list_item_holds_one_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first }
    second: { task: do_second }
"#,
        )),
        r#"error: one list item holds two steps, `first` and `second`
 --> demo.workflow.yaml:8:5
  |
8 |     second: { task: do_second }
  |     ^^^^^^
  |
  = help: start each step with its own `- `"#
    );
}

#[test]
fn a_key_the_kind_does_not_use_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - pause: { wait: 5s, retry: { attempts: 2, on: [Transient] } }
"#,
        )),
        r#"error: `retry` is not allowed on the wait step `pause`
 --> demo.workflow.yaml:7:31
  |
7 |   - pause: { wait: 5s, retry: { attempts: 2, on: [Transient] } }
  |                               ^
  |
  = help: `retry` applies only to steps that run something; remove it"#
    );
}

#[test]
fn a_callback_value_is_its_result_not_output() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback: { submit: send_ack, result: crate::Ack, timeout: 5m }
      output: crate::Ack
"#,
        )),
        r#"error: `output` is not allowed on the callback step `ack`
 --> demo.workflow.yaml:9:15
  |
9 |       output: crate::Ack
  |               ^^^^^^^^^^
  |
  = help: a callback's value has its `result` type"#
    );
}

#[test]
fn a_workflow_needs_steps() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps: []
finish: Done
"#
        ),
        r#"error: the workflow has no steps
 --> demo.workflow.yaml:6:8
  |
6 | steps: []
  |        ^
  |
  = help: add at least one step, e.g. `- read-account: { task: read_account }`"#
    );
}

#[test]
fn an_unknown_key_without_a_close_match_lists_the_allowed_keys() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      colour: blue
"#,
        )),
        r#"error: unknown key `colour`
 --> demo.workflow.yaml:9:7
  |
9 |       colour: blue
  |       ^^^^^^
  |
  = help: the keys allowed here are `task`, `parallel`, `invoke`, `callback`, `wait`, `succeed`, `fail`, `choice`, `map`, `poll`, `group`, `use`, `output`, `reads`, `retry`, `catch`, `finish-unless`, `finish-if`, `semantics`"#
    );
}

#[test]
fn a_list_where_a_mapping_belongs_is_reported() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
steps:
  - first: [do_first]
finish: Done
"#
        ),
        r#"error: expected a mapping here
 --> demo.workflow.yaml:5:12
  |
5 |   - first: [do_first]
  |            ^
  |
  = help: write `{ key: value }` or one `key: value` per line"#
    );
}

#[test]
fn a_key_written_twice_in_one_mapping_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      task: do_again
"#,
        )),
        r#"error: duplicate key `task`
 --> demo.workflow.yaml:9:7
  |
9 |       task: do_again
  |       ^^^^
  |
  = help: a mapping lists each key once; remove or rename one"#
    );
}

#[test]
fn two_branches_with_one_id_are_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { task: left }
        left: { task: right }
"#,
        )),
        r#"error: duplicate key `left`
  --> demo.workflow.yaml:10:9
   |
10 |         left: { task: right }
   |         ^^^^
   |
   = help: a mapping lists each key once; remove or rename one"#
    );
}

#[test]
fn a_missing_value_is_reported() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
  Throttled:
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: a value is missing here
 --> demo.workflow.yaml:6:12
  |
6 |   Throttled:
  |            ^
  |
  = help: write the value after the `:`"#
    );
}

#[test]
fn a_kind_key_without_value_is_a_missing_value() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task:
"#,
        )),
        r#"error: a value is missing here
 --> demo.workflow.yaml:8:11
  |
8 |       task:
  |           ^
  |
  = help: write the value after the `:`"#
    );
}

#[test]
fn a_missing_key_points_at_the_key_that_owns_the_mapping() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback:
        result: crate::Ack
        timeout: 5m
"#,
        )),
        r#"error: missing key `submit` in `callback`
 --> demo.workflow.yaml:8:7
  |
8 |       callback:
  |       ^^^^^^^^
  |
  = help: add `submit:` to `callback`"#
    );
}

#[test]
fn a_missing_key_in_a_flow_mapping_points_at_its_key() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { output: crate::Left }
        right: { task: right }
"#,
        )),
        r#"error: missing key `task` in `left`
 --> demo.workflow.yaml:9:9
  |
9 |         left: { output: crate::Left }
  |         ^^^^
  |
  = help: add `task:` to `left`"#
    );
}

#[test]
fn reads_inside_a_callback_says_it_belongs_to_the_step() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - ack:
      callback:
        submit: send_ack
        result: crate::Ack
        timeout: 5m
        reads: [input]
"#,
        )),
        r#"error: unknown key `reads`
  --> demo.workflow.yaml:12:9
   |
12 |         reads: [input]
   |         ^^^^^
   |
   = help: `reads` belongs to the step: write it beside `callback:`, not inside it"#
    );
}

#[test]
fn every_problem_is_reported_in_source_order() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: doFirst, reads: [secnd] }
  - second:
      callback: { submit: send_ack, result: crate::Ack }
"#,
        )),
        r#"error: invalid method name `doFirst` in `task`: expected a snake_case Rust identifier
 --> demo.workflow.yaml:7:20
  |
7 |   - first: { task: doFirst, reads: [secnd] }
  |                    ^^^^^^^
  |
  = help: use `do_first`

error: step `first` reads unknown step `secnd`
 --> demo.workflow.yaml:7:37
  |
7 |   - first: { task: doFirst, reads: [secnd] }
  |                                     ^^^^^
  |
  = help: did you mean `second`?

error: callback step `second` has no `timeout`
 --> demo.workflow.yaml:9:17
  |
9 |       callback: { submit: send_ack, result: crate::Ack }
  |                 ^
  |
  = help: add e.g. `timeout: 5m`; without one a lost callback would wait forever"#
    );
}
