#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics of `choice` and `map`: arms, the values they test, the lists they run over, their counts,
//! and what steps inside and after them may read.

mod common;

use common::{diagnostics, with_steps};

#[test]
fn an_arm_without_steps_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          Gold: []
"#,
        )),
        r#"error: arm `Gold` of choice `route` has no steps
  --> demo.workflow.yaml:13:11
   |
13 |           Gold: []
   |           ^^^^
   |
   = help: give the arm at least one step, or remove it: a value without an arm continues after the choice"#
    );
}

#[test]
fn a_value_with_two_arms_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          Gold:
            - gold: { task: gold }
          Gold:
            - again: { task: again }
"#,
        )),
        r#"error: the choice has two arms for `Gold`
  --> demo.workflow.yaml:15:11
   |
15 |           Gold:
   |           ^^^^
   |
   = help: each value has one arm; merge their steps"#
    );
}

#[test]
fn a_bool_choice_has_only_true_and_false_arms() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          yes:
            - gold: { task: gold }
"#,
        )),
        r#"error: arm `yes` of choice `route` is not `true` or `false`
  --> demo.workflow.yaml:12:11
   |
12 |           yes:
   |           ^^^
   |
   = help: a choice without `enum:` tests a `bool` field; for an enum field, name its type with `enum:`"#
    );
}

#[test]
fn an_enum_arm_must_be_an_upper_camel_case_variant() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          gold-tier:
            - gold: { task: gold }
"#,
        )),
        r#"error: invalid arm `gold-tier` of choice `route`: expected an UpperCamelCase variant of `crate::Tier`
  --> demo.workflow.yaml:13:11
   |
13 |           gold-tier:
   |           ^^^^^^^^^
   |
   = help: use `GoldTier`"#
    );
}

#[test]
fn otherwise_never_runs_when_true_and_false_have_arms() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { task: gold }
          false:
            - silver: { task: silver }
        otherwise:
          - never: { task: never }
"#,
        )),
        r#"error: `otherwise` of choice `route` never runs: `true` and `false` both have an arm
  --> demo.workflow.yaml:17:11
   |
17 |           - never: { task: never }
   |           ^
   |
   = help: remove `otherwise`, or one of the arms"#
    );
}

#[test]
fn an_empty_otherwise_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { task: gold }
        otherwise: []
"#,
        )),
        r#"error: `otherwise` of choice `route` has no steps
  --> demo.workflow.yaml:14:20
   |
14 |         otherwise: []
   |                    ^
   |
   = help: remove `otherwise`: without it, the other values continue after the choice"#
    );
}

#[test]
fn a_choice_needs_when_arms() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when: {}
"#,
        )),
        r#"error: choice `route` has no `when` arms
  --> demo.workflow.yaml:11:15
   |
11 |         when: {}
   |               ^
   |
   = help: add e.g. `when: { Gold: [...] }` (an enum variant, or `true`/`false` for a bool)"#
    );
}

#[test]
fn a_step_may_not_read_a_step_of_another_arm() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          Gold:
            - gold: { task: gold, output: crate::Gold }
          Silver:
            - silver: { task: silver, reads: [gold] }
"#,
        )),
        r#"error: step `silver` reads `gold` from another arm of choice `route`
  --> demo.workflow.yaml:16:47
   |
16 |             - silver: { task: silver, reads: [gold] }
   |                                               ^^^^
   |
   = help: the arms of `route` exclude each other; `gold` runs only in arm `Gold`"#
    );
}

#[test]
fn a_step_after_a_choice_reads_only_what_ran_on_every_path() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.tier
        enum: crate::Tier
        when:
          Gold:
            - gold: { task: gold, output: crate::Gold }
        otherwise:
          - other: { task: other }
  - after: { task: after, reads: [gold] }
"#,
        )),
        r#"error: step `after` reads `gold`, which does not always run before it
  --> demo.workflow.yaml:17:35
   |
17 |   - after: { task: after, reads: [gold] }
   |                                   ^^^^
   |
   = help: `gold` runs only in arm `Gold` of choice `route`"#
    );
}

#[test]
fn a_choice_on_an_unknown_step_suggests_the_closest_id() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: chek.is_gold
        when:
          true:
            - gold: { task: gold }
"#,
        )),
        r#"error: step `route` reads unknown step `chek`
  --> demo.workflow.yaml:10:13
   |
10 |         on: chek.is_gold
   |             ^^^^^^^^^^^^
   |
   = help: did you mean `check`?"#
    );
}

#[test]
fn a_choice_on_a_parallel_step_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { task: left, output: crate::Left }
        right: { task: right }
  - route:
      choice:
        on: both
        when:
          true:
            - gold: { task: gold }
"#,
        )),
        r#"error: `on` of choice `route` names `both`, a parallel step: its value is not a `bool` or an enum
  --> demo.workflow.yaml:13:13
   |
13 |         on: both
   |             ^^^^
   |
   = help: name a `bool` or enum field of a task's output, e.g. `on: evaluate-tier.has_changed`"#
    );
}

#[test]
fn a_choice_field_must_be_snake_case() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.IsGold
        when:
          true:
            - gold: { task: gold }
"#,
        )),
        r#"error: invalid field name `IsGold` in `on`: expected a snake_case Rust identifier
  --> demo.workflow.yaml:10:13
   |
10 |         on: check.IsGold
   |             ^^^^^^^^^^^^
   |
   = help: use `is_gold`"#
    );
}

#[test]
fn a_goto_may_not_leave_its_arm() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { task: gold, catch: [{ error: Transient, goto: after }] }
  - after: { task: after }
"#,
        )),
        r#"error: the catch in step `gold` goes to `after`, which is not in the same list of steps
  --> demo.workflow.yaml:13:69
   |
13 |             - gold: { task: gold, catch: [{ error: Transient, goto: after }] }
   |                                                                     ^^^^^
   |
   = help: `goto` continues at a later step of its own list: the workflow's `steps`, the same arm or the same group"#
    );
}

#[test]
fn a_choice_takes_no_reads() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { task: gold }
      reads: [check]
"#,
        )),
        r#"error: `reads` is not allowed on the choice step `route`
  --> demo.workflow.yaml:14:14
   |
14 |       reads: [check]
   |              ^
   |
   = help: a choice only selects an arm; give `reads` to the steps of its arms"#
    );
}

#[test]
fn a_map_over_an_unknown_step_suggests_the_closest_id() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-member.members, item: crate::Member, task: notify }
"#,
        )),
        r#"error: step `notify` reads unknown step `list-member`
 --> demo.workflow.yaml:9:21
  |
9 |       map: { items: list-member.members, item: crate::Member, task: notify }
  |                     ^^^^^^^^^^^^^^^^^^^
  |
  = help: did you mean `list-members`?"#
    );
}

#[test]
fn a_map_over_a_parallel_step_is_not_over_a_list() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - both:
      parallel:
        left: { task: left, output: crate::Left }
        right: { task: right }
  - notify:
      map: { items: both, item: crate::Member, task: notify }
"#,
        )),
        r#"error: `items` of map `notify` names `both`, a parallel step: its value is a tuple, not a list
  --> demo.workflow.yaml:12:21
   |
12 |       map: { items: both, item: crate::Member, task: notify }
   |                     ^^^^
   |
   = help: name a `Vec` field of a task's output, e.g. `items: list-members.members`"#
    );
}

#[test]
fn a_map_over_a_field_of_a_map_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify }
      output: crate::Receipt
  - archive:
      map: { items: notify.receipts, item: crate::Receipt, task: archive }
"#,
        )),
        r#"error: `items` of map `archive` names a field of `notify`, a map step: its value is a list
  --> demo.workflow.yaml:12:21
   |
12 |       map: { items: notify.receipts, item: crate::Receipt, task: archive }
   |                     ^^^^^^^^^^^^^^^
   |
   = help: write `items: notify` to run over its results"#
    );
}

#[test]
fn a_map_over_the_whole_input_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - notify:
      map: { items: input, item: crate::Member, task: notify }
"#,
        )),
        r#"error: `items` of map `notify` names the whole input
 --> demo.workflow.yaml:8:21
  |
8 |       map: { items: input, item: crate::Member, task: notify }
  |                     ^^^^^
  |
  = help: name one of its fields: `items: input.<field>`"#
    );
}

#[test]
fn a_map_over_a_step_without_output_is_rejected() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify }
"#,
        )),
        r#"error: step `notify` reads `list-members`, which has no output
 --> demo.workflow.yaml:9:21
  |
9 |       map: { items: list-members.members, item: crate::Member, task: notify }
  |                     ^^^^^^^^^^^^^^^^^^^^
  |
  = help: give `list-members` an `output:` type, or stop reading it"#
    );
}

#[test]
fn max_concurrency_must_be_at_least_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify, max-concurrency: 0 }
"#,
        )),
        r#"error: invalid count `0` in `max-concurrency`: it must be between 1 and 1000
 --> demo.workflow.yaml:9:95
  |
9 |       map: { items: list-members.members, item: crate::Member, task: notify, max-concurrency: 0 }
  |                                                                                               ^
  |
  = help: `max-concurrency` is the number of elements run at once"#
    );
}

#[test]
fn batch_must_be_at_least_one() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify, batch: 0 }
"#,
        )),
        r#"error: invalid count `0` in `batch`: it must be between 1 and 10000
 --> demo.workflow.yaml:9:85
  |
9 |       map: { items: list-members.members, item: crate::Member, task: notify, batch: 0 }
  |                                                                                     ^
  |
  = help: `batch` is the number of elements per call"#
    );
}

#[test]
fn a_tolerated_percentage_is_at_most_100() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify, tolerated-failures: 150% }
"#,
        )),
        r#"error: invalid percentage `150%` in `tolerated-failures`: it must be between 0% and 100%
 --> demo.workflow.yaml:9:98
  |
9 |       map: { items: list-members.members, item: crate::Member, task: notify, tolerated-failures: 150% }
  |                                                                                                  ^^^^"#
    );
}

#[test]
fn tolerated_failures_is_a_count_or_a_percentage() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify, tolerated-failures: some }
"#,
        )),
        r#"error: invalid `tolerated-failures` `some`: expected a count or a percentage
 --> demo.workflow.yaml:9:98
  |
9 |       map: { items: list-members.members, item: crate::Member, task: notify, tolerated-failures: some }
  |                                                                                                  ^^^^
  |
  = help: write a count from 0 to 1000000 (`2`) or a percentage (`10%`)"#
    );
}

#[test]
fn a_map_runs_a_task_or_steps() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member }
"#,
        )),
        r#"error: map `notify` runs nothing
 --> demo.workflow.yaml:9:12
  |
9 |       map: { items: list-members.members, item: crate::Member }
  |            ^
  |
  = help: add `task: <method>` for one activity per element, or `steps:` for several"#
    );
}

#[test]
fn a_map_has_task_or_steps_not_both() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map:
        items: list-members.members
        item: crate::Member
        task: notify
        steps:
          - send: { task: send }
"#,
        )),
        r#"error: map `notify` has both `task` and `steps`
  --> demo.workflow.yaml:14:11
   |
14 |           - send: { task: send }
   |           ^
   |
   = help: keep `task` for one activity per element, or move it into `steps`"#
    );
}

#[test]
fn only_tasks_run_inside_a_map() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map:
        items: list-members.members
        item: crate::Member
        steps:
          - pause: { wait: 1s }
"#,
        )),
        r#"error: step `pause` in map `notify` is a wait step
  --> demo.workflow.yaml:13:13
   |
13 |           - pause: { wait: 1s }
   |             ^^^^^
   |
   = help: only `task` steps run inside a `map`"#
    );
}

#[test]
fn a_step_inside_a_map_has_no_catch() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map:
        items: list-members.members
        item: crate::Member
        steps:
          - send: { task: send, catch: [{ error: Transient, finish: Skipped }] }
"#,
        )),
        r#"error: `catch` is not allowed on step `send` inside map `notify`
  --> demo.workflow.yaml:13:40
   |
13 |           - send: { task: send, catch: [{ error: Transient, finish: Skipped }] }
   |                                        ^
   |
   = help: a failed element counts against `tolerated-failures`; catch `TooManyFailures` on `notify`"#
    );
}

#[test]
fn a_step_of_a_map_is_not_read_from_outside() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map:
        items: list-members.members
        item: crate::Member
        steps:
          - send: { task: send, reads: [item], output: crate::Receipt }
  - record: { task: record, reads: [send] }
"#,
        )),
        r#"error: step `record` reads `send`, which runs inside map `notify` once per element
  --> demo.workflow.yaml:14:37
   |
14 |   - record: { task: record, reads: [send] }
   |                                     ^^^^
   |
   = help: read `notify` to get the result of every element"#
    );
}

#[test]
fn a_step_of_a_map_does_not_read_the_map() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map:
        items: list-members.members
        item: crate::Member
        steps:
          - send: { task: send, reads: [item], output: crate::Receipt }
          - check: { task: check, reads: [notify] }
"#,
        )),
        r#"error: step `check` reads `notify`, the map it runs in
  --> demo.workflow.yaml:14:43
   |
14 |           - check: { task: check, reads: [notify] }
   |                                           ^^^^^^
   |
   = help: inside `notify`, read `item`, earlier steps of the map, or steps before `notify`"#
    );
}

#[test]
fn item_is_read_only_inside_a_map() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, reads: [item], output: crate::Members }
"#,
        )),
        r#"error: step `list-members` reads `item` outside a map
 --> demo.workflow.yaml:7:49
  |
7 |   - list-members: { task: list_members, reads: [item], output: crate::Members }
  |                                                 ^^^^
  |
  = help: `item` is the current element inside a `map` step"#
    );
}

#[test]
fn a_map_raises_only_too_many_failures() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members: { task: list_members, output: crate::Members }
  - notify:
      map: { items: list-members.members, item: crate::Member, task: notify }
      catch: [{ error: Transient, finish: Partly }]
"#,
        )),
        r#"error: map step `notify` never raises `Transient`
  --> demo.workflow.yaml:10:24
   |
10 |       catch: [{ error: Transient, finish: Partly }]
   |                        ^^^^^^^^^
   |
   = help: a map counts the failures of its elements and raises `TooManyFailures` when there are more than `tolerated-failures`"#
    );
}

#[test]
fn too_many_failures_is_raised_only_by_maps() {
    assert_eq!(
        diagnostics(&with_steps(
            r#"  - list-members:
      task: list_members
      output: crate::Members
      catch: [{ error: TooManyFailures, finish: Partly }]
"#,
        )),
        r#"error: step `list-members` never raises `TooManyFailures`
  --> demo.workflow.yaml:10:24
   |
10 |       catch: [{ error: TooManyFailures, finish: Partly }]
   |                        ^^^^^^^^^^^^^^^
   |
   = help: only `map` steps raise `TooManyFailures`"#
    );
}
