#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every construct of the DSL, loaded from `fixtures/every-construct.workflow.yaml`.

use std::time::Duration;
use workflow_spec::{CatchAction, FunctionSource, Jitter, ReadSource, StepKind, Workflow, load};

const EVERY: &str = include_str!("fixtures/every-construct.workflow.yaml");

fn every_construct() -> Workflow {
    load(EVERY, "every-construct.workflow.yaml").unwrap()
}

#[test]
fn a_step_retry_replaces_the_default_and_keeps_every_field() {
    let workflow = every_construct();
    let retry = workflow.steps[0].retry.as_ref().unwrap();
    assert_eq!(retry.max_attempts, 5);
    assert_eq!(retry.initial_delay, Duration::from_millis(250));
    assert_eq!(retry.backoff_rate, 1.5);
    assert_eq!(retry.max_delay, Duration::from_secs(2));
    assert_eq!(retry.jitter, Jitter::Half);
    assert_eq!(retry.on, ["Transient", "Throttled"]);
}

#[test]
fn unwritten_retry_fields_take_the_sdk_preset_values() {
    let workflow = every_construct();
    let StepKind::Parallel(branches) = &workflow.steps[1].kind else {
        panic!("fan-out is parallel")
    };
    let inherited = branches[1].retry.as_ref().unwrap();
    assert_eq!(inherited.max_attempts, 3);
    assert_eq!(inherited.initial_delay, Duration::from_secs(5));
    assert_eq!(inherited.backoff_rate, 2.0);
    assert_eq!(inherited.max_delay, Duration::from_secs(60));
    assert_eq!(inherited.jitter, Jitter::Full);
    assert_eq!(branches[0].retry.as_ref().unwrap().max_attempts, 1);
    assert_eq!(
        workflow.steps[6].retry.as_ref().unwrap().jitter,
        Jitter::None
    );
}

#[test]
fn finish_if_finishes_when_the_field_is_true() {
    let workflow = every_construct();
    let early = workflow.steps[0].early_finish.as_ref().unwrap();
    assert_eq!(
        (
            early.field.as_str(),
            early.finish_when,
            early.outcome.name.as_str()
        ),
        ("already_done", true, "AlreadyDone")
    );
}

#[test]
fn a_parallel_step_is_read_as_a_whole_and_has_no_single_output_type() {
    let workflow = every_construct();
    let fan_out = &workflow.steps[1];
    assert!(fan_out.is_readable());
    assert_eq!(fan_out.output_type(), None);
    let outputs: Vec<Option<&str>> = fan_out
        .branch_outputs()
        .iter()
        .map(|o| o.map(|t| t.path.as_str()))
        .collect();
    assert_eq!(outputs, [Some("crate::Left"), None]);
    let reads: Vec<ReadSource> = workflow.steps[2].reads.iter().map(|r| r.source).collect();
    assert_eq!(reads, [ReadSource::Step(1), ReadSource::Step(0)]);
}

#[test]
fn catches_finish_go_forward_or_fail() {
    let workflow = every_construct();
    assert_eq!(
        workflow.steps[1].catches[0].action,
        CatchAction::Goto {
            id: "compensate".to_string(),
            index: 6
        }
    );
    assert_eq!(workflow.steps[2].catches[0].error, "InvokeFailed");
    assert_eq!(
        workflow.steps[2].catches[0].action,
        CatchAction::Fail("partner unavailable".to_string())
    );
    assert_eq!(
        workflow.steps[4].catches[1].action,
        CatchAction::Goto {
            id: "compensate".to_string(),
            index: 6
        }
    );
}

#[test]
fn invoke_wait_callback_succeed_and_fail_carry_their_values() {
    let workflow = every_construct();
    let StepKind::Invoke(invoke) = &workflow.steps[2].kind else {
        panic!("call-partner is an invoke")
    };
    assert_eq!(
        invoke.function,
        FunctionSource::Name("arn:aws:lambda:eu-west-1:123456789012:function:partner".to_string())
    );
    assert_eq!(invoke.output, None);
    assert_eq!(
        workflow.steps[3].kind,
        StepKind::Wait(Duration::from_secs(7200))
    );
    let StepKind::Callback(callback) = &workflow.steps[4].kind else {
        panic!("confirm is a callback")
    };
    assert_eq!(callback.heartbeat, Some(Duration::from_secs(600)));
    assert_eq!(callback.timeout, Duration::from_secs(3600));
    let StepKind::Succeed(outcome) = &workflow.steps[5].kind else {
        panic!("done succeeds")
    };
    assert_eq!(outcome.name, "Confirmed");
    assert_eq!(
        workflow.steps[7].kind,
        StepKind::Fail("compensated after a failure".to_string())
    );
}

#[test]
fn a_step_reached_only_by_goto_is_reachable_and_finish_is_optional_when_nothing_falls_off_the_end()
{
    let workflow = every_construct();
    assert_eq!(workflow.steps[6].id, "compensate");
    assert_eq!(workflow.finish, None);
    assert_eq!(
        workflow.outcomes,
        ["AlreadyDone", "Unconfirmed", "Confirmed"]
    );
    assert_eq!(workflow.error_kinds.len(), 3);
}
