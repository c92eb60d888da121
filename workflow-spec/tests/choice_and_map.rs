#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The IR and the flowchart of `tests/fixtures/choice-and-map.workflow.yaml`: nested steps are numbered in file
//! order, arms and map steps sit inside their step, and reads resolve across them.

use workflow_spec::{
    ArmValue, MapBody, ReadSource, Step, StepKind, Tolerance, Workflow, load, mermaid,
};

const SPEC: &str = include_str!("fixtures/choice-and-map.workflow.yaml");

fn workflow() -> Workflow {
    load(SPEC, "choice-and-map.workflow.yaml").unwrap_or_else(|d| panic!("{d}"))
}

fn sources(step: &Step) -> Vec<ReadSource> {
    step.reads.iter().map(|read| read.source).collect()
}

#[test]
fn nested_steps_are_numbered_in_file_order_after_their_owner() {
    let workflow = workflow();
    let ids: Vec<&str> = workflow.all_steps().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "load-members",
            "route",
            "gold-gift",
            "gold-note",
            "closed",
            "standard-note",
            "vip-check",
            "vip-lounge",
            "notify",
            "summarise",
            "score",
            "label",
            "record"
        ]
    );
    let top: Vec<&str> = workflow.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        top,
        [
            "load-members",
            "route",
            "vip-check",
            "notify",
            "summarise",
            "record"
        ]
    );
}

#[test]
fn an_enum_choice_keeps_its_arms_and_otherwise_in_order() {
    let workflow = workflow();
    let StepKind::Choice(route) = &workflow.steps[1].kind else {
        panic!("route is a choice");
    };
    assert_eq!(route.on.read.source, ReadSource::Step(0));
    assert_eq!(route.on.field.as_deref(), Some("tier"));
    assert_eq!(route.enum_type.as_ref().unwrap().path, "crate::Tier");
    let arms: Vec<(ArmValue, Vec<&str>)> = route
        .arms
        .iter()
        .map(|arm| {
            (
                arm.value.clone(),
                arm.steps.iter().map(|s| s.id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        arms,
        [
            (
                ArmValue::Variant("Gold".into()),
                vec!["gold-gift", "gold-note"]
            ),
            (ArmValue::Variant("Closed".into()), vec!["closed"]),
        ]
    );
    let otherwise = route.otherwise.as_ref().unwrap();
    assert_eq!(otherwise[0].id, "standard-note");
    // `gold-note` reads `gold-gift`, earlier in its arm (index 2 of all steps).
    assert_eq!(sources(&route.arms[0].steps[1]), [ReadSource::Step(2)]);
    assert_eq!(sources(&otherwise[0]), [ReadSource::Step(0)]);
}

#[test]
fn a_bool_choice_has_true_and_false_arms() {
    let workflow = workflow();
    let StepKind::Choice(vip) = &workflow.steps[2].kind else {
        panic!("vip-check is a choice");
    };
    assert_eq!(vip.enum_type, None);
    assert_eq!(vip.arms.len(), 1);
    assert_eq!(vip.arms[0].value, ArmValue::Bool(true));
    assert_eq!(vip.otherwise, None);
}

#[test]
fn a_task_map_reads_item_and_keeps_its_limits() {
    let workflow = workflow();
    let notify = &workflow.steps[3];
    let StepKind::Map(map) = &notify.kind else {
        panic!("notify is a map");
    };
    assert_eq!(map.items.read.source, ReadSource::Step(0));
    assert_eq!(map.items.field.as_deref(), Some("members"));
    assert_eq!(map.item.path, "crate::Member");
    assert_eq!(map.max_concurrency, Some(2));
    assert_eq!(map.tolerated_failures, Some(Tolerance::Count(1)));
    assert_eq!(map.batch, None);
    let MapBody::Task(task) = &map.body else {
        panic!("notify runs one task");
    };
    assert_eq!(task.method, "notify");
    assert_eq!(sources(notify), [ReadSource::Item, ReadSource::Input]);
    assert_eq!(notify.retry.as_ref().unwrap().max_attempts, 2);
    assert_eq!(notify.map_output().unwrap().path, "crate::Receipt");
    assert!(notify.is_readable());
    assert_eq!(notify.catches[0].error, "TooManyFailures");
}

#[test]
fn a_map_with_steps_runs_them_per_batch_and_its_last_output_is_its_result() {
    let workflow = workflow();
    let summarise = &workflow.steps[4];
    let StepKind::Map(map) = &summarise.kind else {
        panic!("summarise is a map");
    };
    assert_eq!(map.batch, Some(2));
    assert_eq!(map.tolerated_failures, Some(Tolerance::Percent(50)));
    let MapBody::Steps(steps) = &map.body else {
        panic!("summarise runs steps");
    };
    let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["score", "label"]);
    assert_eq!(sources(&steps[0]), [ReadSource::Item]);
    // `label` reads `score` (index 10) and `notify` (index 8), which ran before the map.
    assert_eq!(
        sources(&steps[1]),
        [ReadSource::Step(10), ReadSource::Step(8)]
    );
    assert_eq!(summarise.map_output().unwrap().path, "crate::Label");
    // `record` reads both maps.
    assert_eq!(
        sources(&workflow.steps[5]),
        [ReadSource::Step(8), ReadSource::Step(9)]
    );
}

#[test]
fn a_step_after_a_choice_reads_an_arm_step_when_every_other_arm_finishes() {
    let source = "workflow: demo
input: crate::Input
output: crate::Outcome
steps:
  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { task: gold, output: crate::Gold }
          false:
            - stop: { succeed: NotGold }
  - after: { task: after, reads: [gold] }
finish: Done
";
    let workflow = load(source, "demo.workflow.yaml").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(sources(&workflow.steps[2]), [ReadSource::Step(2)]);
}

#[test]
fn finish_is_not_needed_when_every_arm_of_the_last_step_ends_the_workflow() {
    let source = "workflow: demo
input: crate::Input
output: crate::Outcome
steps:
  - check: { task: check, output: crate::Check }
  - route:
      choice:
        on: check.is_gold
        when:
          true:
            - gold: { succeed: Gold }
        otherwise:
          - other: { fail: not gold }
";
    let workflow = load(source, "demo.workflow.yaml").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(workflow.finish, None);
}

#[test]
fn the_flowchart_shows_arms_and_maps() {
    assert_eq!(
        mermaid(&workflow()),
        r#"---
title: "choice-and-map: 2 to 8 + 2 per element of notify + 3 per batch (2 elements) of summarise durable operations, worst case 0s to 1s per 2 elements of notify plus the activities' own time"
---
flowchart TD
    start(("choice-and-map"))
    load_members["load-members<br/>task load_members"]
    route{"route<br/>choice on load-members.tier"}
    gold_gift["gold-gift<br/>task gold_gift"]
    gold_note["gold-note<br/>task gold_note"]
    closed(["closed<br/>succeed"])
    standard_note["standard-note<br/>task standard_note"]
    vip_check{"vip-check<br/>choice on load-members.vip"}
    vip_lounge["vip-lounge<br/>task vip_lounge"]
    subgraph notify ["notify (map over load-members.members)<br/>2 at a time<br/>tolerates 1 failure"]
        direction LR
        notify_task["notify<br/>task notify<br/>retry: 2 attempts on Transient"]
    end
    subgraph summarise ["summarise (map over load-members.members)<br/>batches of 2<br/>tolerates 50% failures"]
        direction LR
        score["score<br/>task score"]
        label["label<br/>task label"]
    end
    record["record<br/>task record"]
    outcome_AccountClosed(["AccountClosed"])
    outcome_TooManyUnreachable(["TooManyUnreachable"])
    outcome_Notified(["Notified"])
    start --> load_members
    load_members --> route
    route -- "Gold" --> gold_gift
    gold_gift --> gold_note
    gold_note --> vip_check
    route -- "Closed" --> closed
    closed --> outcome_AccountClosed
    route -- "otherwise" --> standard_note
    standard_note --> vip_check
    vip_check -- "true" --> vip_lounge
    vip_lounge --> notify
    vip_check -- "false" --> notify
    notify -. "TooManyFailures" .-> outcome_TooManyUnreachable
    notify --> summarise
    score --> label
    summarise --> record
    record --> outcome_Notified
"#
    );
}
