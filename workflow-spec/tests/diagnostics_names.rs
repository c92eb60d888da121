#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics: Rust identifiers, type paths, kebab-case ids and UpperCamelCase outcomes and error kinds.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn a_task_method_must_be_snake_case() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: doFirst }
"#,
        )),
        r#"error: invalid method name `doFirst` in `task`: expected a snake_case Rust identifier
 --> demo.workflow.yaml:7:20
  |
7 |   - first: { task: doFirst }
  |                    ^^^^^^^
  |
  = help: use `do_first`"#
    );
}

#[test]
fn a_task_method_must_not_be_a_keyword() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: match }
"#,
        )),
        r#"error: invalid method name `match` in `task`: it is a Rust keyword
 --> demo.workflow.yaml:7:20
  |
7 |   - first: { task: match }
  |                    ^^^^^"#
    );
}

#[test]
fn a_type_path_must_be_rust() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first: { task: do_first, output: crate::3rd::First }
"#,
        )),
        r#"error: invalid Rust type path `crate::3rd::First` in `output`: `3rd` is not a Rust identifier
 --> demo.workflow.yaml:7:38
  |
7 |   - first: { task: do_first, output: crate::3rd::First }
  |                                      ^^^^^^^^^^^^^^^^^
  |
  = help: write a path such as `crate::tier::UpgradeRequest`"#
    );
}

#[test]
fn a_type_path_with_generics_is_rejected() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: Vec<u8>
output: crate::Outcome
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: invalid Rust type path `Vec<u8>` in `input`: generic arguments are not supported; name a type alias instead
 --> demo.workflow.yaml:2:8
  |
2 | input: Vec<u8>
  |        ^^^^^^^
  |
  = help: write a path such as `crate::tier::UpgradeRequest`"#
    );
}

#[test]
fn a_step_id_must_be_kebab_case() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - First_Step: { task: do_first }
"#,
        )),
        r#"error: invalid step id `First_Step`: it must start with a lowercase letter
 --> demo.workflow.yaml:7:5
  |
7 |   - First_Step: { task: do_first }
  |     ^^^^^^^^^^
  |
  = help: use kebab-case, e.g. `first-step`"#
    );
}

#[test]
fn a_step_id_must_not_be_a_keyword() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - type: { task: do_first }
"#,
        )),
        r#"error: invalid step id `type`: it is reserved
 --> demo.workflow.yaml:7:5
  |
7 |   - type: { task: do_first }
  |     ^^^^
  |
  = help: choose another name, e.g. `type-step`"#
    );
}

#[test]
fn the_workflow_name_must_be_kebab_case() {
    assert_eq!(
        diagnostics(
            r#"workflow: Demo Flow
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: invalid workflow name `Demo Flow`: it must start with a lowercase letter
 --> demo.workflow.yaml:1:11
  |
1 | workflow: Demo Flow
  |           ^^^^^^^^^
  |
  = help: use kebab-case, e.g. `demo-flow`"#
    );
}

#[test]
fn an_outcome_must_be_upper_camel_case() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first: { task: do_first }
finish: no-change
"#
        ),
        r#"error: invalid outcome `no-change`: expected an UpperCamelCase variant of the output enum
 --> demo.workflow.yaml:8:9
  |
8 | finish: no-change
  |         ^^^^^^^^^
  |
  = help: use `NoChange`"#
    );
}

#[test]
fn an_error_kind_must_be_upper_camel_case() {
    assert_eq!(
        diagnostics(
            r#"workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
  version_conflict: lost a race
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: invalid error kind `version_conflict`: expected an UpperCamelCase Rust identifier
 --> demo.workflow.yaml:6:3
  |
6 |   version_conflict: lost a race
  |   ^^^^^^^^^^^^^^^^
  |
  = help: use `VersionConflict`"#
    );
}

#[test]
fn an_early_finish_field_must_be_snake_case() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - first:
      task: do_first
      output: crate::First
      finish-if: { field: hasChanged, outcome: NoChange }
"#,
        )),
        r#"error: invalid field name `hasChanged`: expected a snake_case Rust identifier
  --> demo.workflow.yaml:10:27
   |
10 |       finish-if: { field: hasChanged, outcome: NoChange }
   |                           ^^^^^^^^^^
   |
   = help: use `has_changed`"#
    );
}

#[test]
fn the_workflow_name_must_not_be_a_keyword() {
    assert_eq!(
        diagnostics(
            r#"workflow: async
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
steps:
  - first: { task: do_first }
finish: Done
"#
        ),
        r#"error: invalid workflow name `async`: it is reserved
 --> demo.workflow.yaml:1:11
  |
1 | workflow: async
  |           ^^^^^
  |
  = help: choose another name, e.g. `async-workflow`"#
    );
}
