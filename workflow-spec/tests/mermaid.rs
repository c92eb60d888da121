#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Mermaid flowchart: exact text for a small workflow with each edge kind.

#[test]
fn the_flowchart_shows_steps_early_finishes_catches_and_outcomes() {
    let source = "workflow: small
input: crate::Input
output: crate::Outcome
errors:
  Lost: the race was lost
steps:
  - check:
      task: check
      output: crate::Check
      finish-if: { field: done, outcome: AlreadyDone }
  - end:
      task: finish_up
      catch:
        - { error: Lost, fail: \"lost \\\"the\\\" race\" }
  - pause: { wait: 90s }
finish: Finished
";
    let workflow = workflow_spec::load(source, "small.yaml").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(
        workflow_spec::mermaid(&workflow),
        r#"---
title: "small: 2 to 4 durable operations, worst case 0s to 1m 30s plus the activities' own time"
---
flowchart TD
    start(("small"))
    check["check<br/>task check"]
    end_step["end<br/>task finish_up"]
    pause[/"pause<br/>wait 90s"/]
    outcome_AlreadyDone(["AlreadyDone"])
    outcome_Finished(["Finished"])
    fail_end_Lost[/"fail: lost #quot;the#quot; race"/]
    start --> check
    check -- "done" --> outcome_AlreadyDone
    check --> end_step
    end_step -. "Lost" .-> fail_end_Lost
    end_step --> pause
    pause --> outcome_Finished
"#
    );
}
