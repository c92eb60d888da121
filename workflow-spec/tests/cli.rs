#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `workflow` binary: check, diagram, paths, cost, schema, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workflow(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn check_accepts_the_tier_workflow_with_exit_code_zero() {
    let output = workflow(&["check", "tier-upgrade.workflow.yaml"], &repo_root());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        "tier-upgrade.workflow.yaml: ok, workflow `tier-upgrade` with 7 steps\n"
    );
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn check_reports_diagnostics_on_stderr_with_exit_code_one() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "workflow: demo\ninput: crate::Input\noutput: crate::Outcome\nsteps:\n  - first: { task: do_first, reads: [secnd] }\n  - second: { task: do_second }\nfinish: Done\n";
    std::fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    std::fs::copy(
        repo_root().join("tier-upgrade.workflow.yaml"),
        dir.path().join("tier.yaml"),
    )
    .unwrap();
    let output = workflow(&["check", "tier.yaml", "broken.yaml"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stdout),
        "tier.yaml: ok, workflow `tier-upgrade` with 7 steps\n"
    );
    assert_eq!(
        text(&output.stderr),
        "error: step `first` reads unknown step `secnd`
 --> broken.yaml:5:38
  |
5 |   - first: { task: do_first, reads: [secnd] }
  |                                      ^^^^^
  |
  = help: did you mean `second`?

error: `broken.yaml` has 1 error
"
    );
}

#[test]
fn check_reports_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = workflow(&["check", "missing.yaml"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("error: cannot read `missing.yaml`: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn diagram_prints_the_mermaid_flowchart() {
    let output = workflow(&["diagram", "tier-upgrade.workflow.yaml"], &repo_root());
    assert_eq!(output.status.code(), Some(0));
    let source = std::fs::read_to_string(repo_root().join("tier-upgrade.workflow.yaml")).unwrap();
    let expected = workflow_spec::mermaid(
        &workflow_spec::load(&source, "tier-upgrade.workflow.yaml").unwrap(),
    );
    assert_eq!(text(&output.stdout), expected);
    assert!(expected.contains("    upgrade_tier -. \"VersionConflict\" .-> outcome_Superseded\n"));
    assert!(expected.contains("    evaluate_tier -- \"not has_changed\" --> outcome_NoChange\n"));
}

#[test]
fn paths_lists_every_route_of_the_tier_workflow() {
    let output = workflow(&["paths", "tier-upgrade.workflow.yaml"], &repo_root());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stderr), "");
    assert_eq!(
        text(&output.stdout),
        r#"tier-upgrade: 11 routes
 1. read-account [uncaught error] => fails
 2. read-account -> evaluate-tier [uncaught error] => fails
 3. read-account -> evaluate-tier [not has_changed] => NoChange
 4. read-account -> evaluate-tier -> gather-context [uncaught error] => fails
 5. read-account -> evaluate-tier -> gather-context -> fetch-order-history [uncaught error] => fails
 6. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier [VersionConflict] => Superseded
 7. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier [uncaught error] => fails
 8. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack [CallbackTimeout] => UpgradedUnacknowledged
 9. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack [uncaught error] => fails
10. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion [uncaught error] => fails
11. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion => Upgraded
"#
    );
}

/// The upgrade route costs 11 operations and the no-change exit 3, as `tier_upgrade_behaviour` counts under
/// `LocalRunner` (workflow-macros README: "Durable operations per tier upgrade: 11").
#[test]
fn cost_gives_the_operations_and_worst_case_wall_time_of_each_tier_route() {
    let output = workflow(&["cost", "tier-upgrade.workflow.yaml"], &repo_root());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stderr), "");
    let stdout = text(&output.stdout);
    assert_eq!(
        stdout,
        r#"tier-upgrade: 11 routes (durable operations billed, worst-case wall time without the activities' own run time)
 1. read-account [uncaught error] => fails
    operations: 2; worst-case wall time: 2m 15s
 2. read-account -> evaluate-tier [uncaught error] => fails
    operations: 3; worst-case wall time: 4m 30s
 3. read-account -> evaluate-tier [not has_changed] => NoChange
    operations: 3; worst-case wall time: 4m 30s
 4. read-account -> evaluate-tier -> gather-context [uncaught error] => fails
    operations: 5; worst-case wall time: 6m 45s
 5. read-account -> evaluate-tier -> gather-context -> fetch-order-history [uncaught error] => fails
    operations: 6; worst-case wall time: 6m 45s
 6. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier [VersionConflict] => Superseded
    operations: 7; worst-case wall time: 9m 0s
 7. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier [uncaught error] => fails
    operations: 7; worst-case wall time: 9m 0s
 8. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack [CallbackTimeout] => UpgradedUnacknowledged
    operations: 10; worst-case wall time: 14m 0s
 9. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack [uncaught error] => fails
    operations: 10; worst-case wall time: 14m 0s
10. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion [uncaught error] => fails
    operations: 11; worst-case wall time: 16m 15s
11. read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion => Upgraded
    operations: 11; worst-case wall time: 16m 15s

operations: fewest 2 (route 1), most 11 (route 11)
worst-case wall time: shortest 2m 15s (route 1), longest 16m 15s (route 11), plus the activities' own run time
execution timeout (`timeout:`): 15m 0s; the worst case of routes 10, 11 is longer (up to 16m 15s): such an execution times out
"#
    );
    assert!(stdout.contains("record-completion => Upgraded\n    operations: 11;"));
    assert!(stdout.contains("evaluate-tier [not has_changed] => NoChange\n    operations: 3;"));
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn paths_and_cost_of_the_every_construct_fixture() {
    let paths = workflow(&["paths", "every-construct.workflow.yaml"], &fixtures());
    assert_eq!(paths.status.code(), Some(0));
    assert_eq!(
        text(&paths.stdout),
        r#"every-construct: 12 routes
 1. prepare [uncaught error] => fails
 2. prepare [already_done] => AlreadyDone
 3. prepare -> fan-out [Rejected] -> compensate [uncaught error] => fails
 4. prepare -> fan-out [Rejected] -> compensate -> give-up => fails: compensated after a failure
 5. prepare -> fan-out [uncaught error] => fails
 6. prepare -> fan-out -> call-partner [InvokeFailed] => fails: partner unavailable
 7. prepare -> fan-out -> call-partner [uncaught error] => fails
 8. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackTimeout] => Unconfirmed
 9. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackFailed] -> compensate [uncaught error] => fails
10. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackFailed] -> compensate -> give-up => fails: compensated after a failure
11. prepare -> fan-out -> call-partner -> pause -> confirm [uncaught error] => fails
12. prepare -> fan-out -> call-partner -> pause -> confirm -> done => Confirmed
"#
    );
    let cost = workflow(&["cost", "every-construct.workflow.yaml"], &fixtures());
    assert_eq!(cost.status.code(), Some(0));
    assert_eq!(
        text(&cost.stdout),
        r#"every-construct: 12 routes (durable operations billed, worst-case wall time without the activities' own run time)
 1. prepare [uncaught error] => fails
    operations: 2; worst-case wall time: 4s
 2. prepare [already_done] => AlreadyDone
    operations: 2; worst-case wall time: 4s
 3. prepare -> fan-out [Rejected] -> compensate [uncaught error] => fails
    operations: 5; worst-case wall time: 6m 34s
 4. prepare -> fan-out [Rejected] -> compensate -> give-up => fails: compensated after a failure
    operations: 5; worst-case wall time: 6m 34s
 5. prepare -> fan-out [uncaught error] => fails
    operations: 4; worst-case wall time: 19s
 6. prepare -> fan-out -> call-partner [InvokeFailed] => fails: partner unavailable
    operations: 5; worst-case wall time: 19s
 7. prepare -> fan-out -> call-partner [uncaught error] => fails
    operations: 5; worst-case wall time: 19s
 8. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackTimeout] => Unconfirmed
    operations: 9; worst-case wall time: 3h 0m 19s
 9. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackFailed] -> compensate [uncaught error] => fails
    operations: 10; worst-case wall time: 3h 6m 34s
10. prepare -> fan-out -> call-partner -> pause -> confirm [CallbackFailed] -> compensate -> give-up => fails: compensated after a failure
    operations: 10; worst-case wall time: 3h 6m 34s
11. prepare -> fan-out -> call-partner -> pause -> confirm [uncaught error] => fails
    operations: 9; worst-case wall time: 3h 0m 19s
12. prepare -> fan-out -> call-partner -> pause -> confirm -> done => Confirmed
    operations: 9; worst-case wall time: 3h 0m 19s

operations: fewest 2 (route 1), most 10 (route 10)
worst-case wall time: shortest 4s (route 1), longest 3h 6m 34s (route 10), plus the activities' own run time
"#
    );
}

#[test]
fn cost_of_the_choice_and_map_fixture_grows_with_the_elements_of_its_maps() {
    let output = workflow(&["cost", "choice-and-map.workflow.yaml"], &fixtures());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        r#"choice-and-map: 27 routes (durable operations billed, worst-case wall time without the activities' own run time)
 1. load-members [uncaught error] => fails
    operations: 2; worst-case wall time: 0s
 2. load-members -> route [Gold] -> gold-gift [uncaught error] => fails
    operations: 3; worst-case wall time: 0s
 3. load-members -> route [Gold] -> gold-gift -> gold-note [uncaught error] => fails
    operations: 4; worst-case wall time: 0s
 4. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge [uncaught error] => fails
    operations: 5; worst-case wall time: 0s
 5. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify [TooManyFailures] => TooManyUnreachable
    operations: 6 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
 6. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify [uncaught error] => fails
    operations: 6 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
 7. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify -> summarise [uncaught error] => fails
    operations: 7 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
 8. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record [uncaught error] => fails
    operations: 8 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
 9. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record => Notified
    operations: 8 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
10. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [false] -> notify [TooManyFailures] => TooManyUnreachable
    operations: 5 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
11. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [false] -> notify [uncaught error] => fails
    operations: 5 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
12. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [false] -> notify -> summarise [uncaught error] => fails
    operations: 6 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
13. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [false] -> notify -> summarise -> record [uncaught error] => fails
    operations: 7 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
14. load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [false] -> notify -> summarise -> record => Notified
    operations: 7 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
15. load-members -> route [Closed] -> closed => AccountClosed
    operations: 2; worst-case wall time: 0s
16. load-members -> route [otherwise] -> standard-note [uncaught error] => fails
    operations: 3; worst-case wall time: 0s
17. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge [uncaught error] => fails
    operations: 4; worst-case wall time: 0s
18. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge -> notify [TooManyFailures] => TooManyUnreachable
    operations: 5 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
19. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge -> notify [uncaught error] => fails
    operations: 5 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
20. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge -> notify -> summarise [uncaught error] => fails
    operations: 6 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
21. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record [uncaught error] => fails
    operations: 7 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
22. load-members -> route [otherwise] -> standard-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record => Notified
    operations: 7 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
23. load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify [TooManyFailures] => TooManyUnreachable
    operations: 4 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
24. load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify [uncaught error] => fails
    operations: 4 + 2 per element of notify; worst-case wall time: 1s per 2 elements of notify
25. load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify -> summarise [uncaught error] => fails
    operations: 5 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
26. load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify -> summarise -> record [uncaught error] => fails
    operations: 6 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify
27. load-members -> route [otherwise] -> standard-note -> vip-check [false] -> notify -> summarise -> record => Notified
    operations: 6 + 2 per element of notify + 3 per batch (2 elements) of summarise; worst-case wall time: 1s per 2 elements of notify

operations: fewest 2 (route 1), most 8 + 2 per element of notify + 3 per batch (2 elements) of summarise (route 9)
worst-case wall time: shortest 0s (route 1), longest 1s per 2 elements of notify (route 27), plus the activities' own run time
"#
    );
}

#[test]
fn paths_and_cost_of_the_poll_fixture() {
    let paths = workflow(&["paths", "poll.workflow.yaml"], &fixtures());
    assert_eq!(paths.status.code(), Some(0));
    assert_eq!(
        text(&paths.stdout),
        r#"poll-shipment: 11 routes
 1. create-shipment [uncaught error] => fails
 2. create-shipment -> await-pickup [PollTimeout] -> cancel-shipment [uncaught error] => fails
 3. create-shipment -> await-pickup [PollTimeout] -> cancel-shipment -> settle => Cancelled
 4. create-shipment -> await-pickup [Lost] -> cancel-shipment [uncaught error] => fails
 5. create-shipment -> await-pickup [Lost] -> cancel-shipment -> settle => Cancelled
 6. create-shipment -> await-pickup [uncaught error] => fails
 7. create-shipment -> await-pickup -> await-delivery [Lost] => ParcelLost
 8. create-shipment -> await-pickup -> await-delivery [uncaught error] => fails
 9. create-shipment -> await-pickup -> await-delivery [returned] => Returned
10. create-shipment -> await-pickup -> await-delivery -> confirm [uncaught error] => fails
11. create-shipment -> await-pickup -> await-delivery -> confirm -> delivered => Delivered
"#
    );
    let cost = workflow(&["cost", "poll.workflow.yaml"], &fixtures());
    assert_eq!(cost.status.code(), Some(0));
    assert_eq!(
        text(&cost.stdout),
        r#"poll-shipment: 11 routes (durable operations billed, worst-case wall time without the activities' own run time)
 1. create-shipment [uncaught error] => fails
    operations: 2; worst-case wall time: 0s
 2. create-shipment -> await-pickup [PollTimeout] -> cancel-shipment [uncaught error] => fails
    operations: 4; worst-case wall time: 20s
 3. create-shipment -> await-pickup [PollTimeout] -> cancel-shipment -> settle => Cancelled
    operations: 5; worst-case wall time: 1m 20s
 4. create-shipment -> await-pickup [Lost] -> cancel-shipment [uncaught error] => fails
    operations: 4; worst-case wall time: 20s
 5. create-shipment -> await-pickup [Lost] -> cancel-shipment -> settle => Cancelled
    operations: 5; worst-case wall time: 1m 20s
 6. create-shipment -> await-pickup [uncaught error] => fails
    operations: 3; worst-case wall time: 20s
 7. create-shipment -> await-pickup -> await-delivery [Lost] => ParcelLost
    operations: 4; worst-case wall time: 30m 20s
 8. create-shipment -> await-pickup -> await-delivery [uncaught error] => fails
    operations: 4; worst-case wall time: 30m 20s
 9. create-shipment -> await-pickup -> await-delivery [returned] => Returned
    operations: 4; worst-case wall time: 30m 20s
10. create-shipment -> await-pickup -> await-delivery -> confirm [uncaught error] => fails
    operations: 5; worst-case wall time: 30m 20s
11. create-shipment -> await-pickup -> await-delivery -> confirm -> delivered => Delivered
    operations: 5; worst-case wall time: 30m 20s

operations: fewest 2 (route 1), most 5 (route 11)
worst-case wall time: shortest 0s (route 1), longest 30m 20s (route 11), plus the activities' own run time
"#
    );
}

#[test]
fn paths_and_cost_report_a_missing_or_invalid_file_like_check() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["paths", "cost"] {
        let output = workflow(&[command, "missing.yaml"], dir.path());
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr).starts_with("error: cannot read `missing.yaml`: "),
            "{}",
            text(&output.stderr)
        );
        assert_eq!(text(&output.stdout), "");
    }
    let broken = "workflow: demo\ninput: crate::Input\noutput: crate::Outcome\nsteps:\n  - first: { task: do_first, reads: [secnd] }\n  - second: { task: do_second }\nfinish: Done\n";
    std::fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    for command in ["paths", "cost"] {
        let output = workflow(&[command, "broken.yaml"], dir.path());
        assert_eq!(output.status.code(), Some(1));
        assert!(
            text(&output.stderr)
                .ends_with("= help: did you mean `second`?\n\nerror: `broken.yaml` has 1 error\n"),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn schema_prints_the_json_schema() {
    let output = workflow(&["schema"], &repo_root());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), workflow_spec::json_schema());
}

#[test]
fn no_command_prints_usage_with_exit_code_two() {
    let output = workflow(&[], &repo_root());
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("usage: workflow <command>\n"));
}

/// `workflow diff` on the tier workflow and an edited copy, in a temporary directory.
fn diff_tier(edit: impl Fn(&str) -> String) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let tier = std::fs::read_to_string(repo_root().join("tier-upgrade.workflow.yaml")).unwrap();
    let edited = edit(&tier);
    assert_ne!(edited, tier, "the edit must change the file");
    std::fs::write(dir.path().join("old.yaml"), &tier).unwrap();
    std::fs::write(dir.path().join("new.yaml"), edited).unwrap();
    let output = workflow(&["diff", "old.yaml", "new.yaml"], dir.path());
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn diff_of_comments_and_retry_settings_is_compatible_and_unchanged() {
    let (code, stdout, stderr) = diff_tier(|tier| {
        tier.replace("# behaviour F11", "# (edited) behaviour F11")
            .replace("attempts: 6, delay: 5s", "attempts: 3, delay: 2s")
            .replace("timeout: 5m", "timeout: 10m")
    });
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(
        stdout.starts_with(
            "tier-upgrade: compatible: every route records the same operations with the same fingerprints"
        ),
        "{stdout}"
    );
}

#[test]
fn diff_of_a_step_appended_after_the_last_is_compatible() {
    let (code, stdout, _) = diff_tier(|tier| {
        tier.replace(
            "\nfinish: Upgraded\n",
            "\n  - settle: { wait: 1m }\n\nfinish: Upgraded\n",
        )
    });
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with("tier-upgrade: compatible: every route of the old definition is the start of a route of the new one"),
        "{stdout}"
    );
}

#[test]
fn diff_of_an_inserted_step_names_the_first_recorded_operation_it_displaces() {
    let (code, stdout, _) = diff_tier(|tier| {
        tier.replace(
            "  - gather-context:",
            "  - cool-down: { wait: 1m }\n\n  - gather-context:",
        )
    });
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with(
            "tier-upgrade: breaking:\n  `list-products` (the first step to replay differently), operation 3 of old route"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("the new definition records `cool-down` there instead; executions that recorded it fail on replay, naming it; those that have not reached it continue under the new definition"),
        "{stdout}"
    );
}

#[test]
fn diff_of_a_changed_output_type_names_the_step_and_both_descriptors() {
    let (code, stdout, _) = diff_tier(|tier| {
        tier.replace(
            "output: crate::tier_workflow::SavedTier",
            "output: crate::tier_workflow::SavedTierV2",
        )
    });
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "`upgrade-tier` (the first step to replay differently), operation 6 of old route"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("it changed: recorded as `task(crate::tier_workflow::UpgradeRequest, crate::tier_workflow::TierAccount, crate::tier_workflow::TierChange) -> crate::tier_workflow::SavedTier`, now `task(crate::tier_workflow::UpgradeRequest, crate::tier_workflow::TierAccount, crate::tier_workflow::TierChange) -> crate::tier_workflow::SavedTierV2`"),
        "{stdout}"
    );
}

#[test]
fn diff_refuses_two_different_workflows_and_invalid_files_with_exit_code_two() {
    let (code, stdout, stderr) =
        diff_tier(|tier| tier.replace("workflow: tier-upgrade", "workflow: other"));
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert_eq!(
        stderr,
        "error: `old.yaml` defines workflow `tier-upgrade` and `new.yaml` defines `other`: compare two definitions of one workflow\n"
    );
    let (code, _, stderr) = diff_tier(|tier| tier.replace("reads: [input]\n", "reads: [inptu]\n"));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("error: `new.yaml` has"), "{stderr}");
}

/// The example that uses every construct, and the workflow it uses, copied into `dir`.
fn example_in(dir: &Path) -> String {
    let example = repo_root().join("examples/order-fulfilment");
    std::fs::copy(
        example.join("payment.workflow.yaml"),
        dir.join("payment.workflow.yaml"),
    )
    .unwrap();
    std::fs::read_to_string(example.join("order-fulfilment.workflow.yaml")).unwrap()
}

#[test]
fn paths_cost_and_diagram_of_the_example_with_every_construct() {
    let dir = repo_root().join("examples/order-fulfilment");
    let check = workflow(&["check", "order-fulfilment.workflow.yaml"], &dir);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let paths = text(&workflow(&["paths", "order-fulfilment.workflow.yaml"], &dir).stdout);
    assert!(
        paths.starts_with("order-fulfilment: 52 routes\n"),
        "{paths}"
    );
    assert!(
        paths.contains(
            "\n52. validate -> by-tier [no arm] -> reserve -> reserve-lines -> charge-request -> pay -> prepare -> \
             notify-warehouse -> cool-off -> await-pickup -> confirm-delivery -> record => Shipped\n"
        ),
        "{paths}"
    );
    let cost = text(&workflow(&["cost", "order-fulfilment.workflow.yaml"], &dir).stdout);
    assert!(
        cost.contains(
            "operations: fewest 2 (route 1), most 20 + 2 per element of reserve-lines (route 26)"
        ),
        "{cost}"
    );
    assert!(
        cost.contains("execution timeout (`timeout:`): 1h 0m 0s; no route's worst case is longer"),
        "{cost}"
    );
    let diagram = text(&workflow(&["diagram", "order-fulfilment.workflow.yaml"], &dir).stdout);
    for node in [
        "subgraph reserve [\"reserve (group)\"]",
        "pay[[\"pay<br/>use payment.workflow.yaml\"]]",
        "subgraph reserve_lines [\"reserve-lines (map over input.lines)",
        "by_tier{\"by-tier<br/>choice on validate.tier\"}",
    ] {
        assert!(diagram.contains(node), "{node} missing from\n{diagram}");
    }
}

#[test]
fn diff_of_the_example_tells_a_settings_edit_from_a_step_inserted_in_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let example = example_in(dir.path());
    std::fs::write(dir.path().join("old.workflow.yaml"), &example).unwrap();
    let diff = |edited: String| {
        std::fs::write(dir.path().join("new.workflow.yaml"), edited).unwrap();
        let output = workflow(
            &["diff", "old.workflow.yaml", "new.workflow.yaml"],
            dir.path(),
        );
        let stdout = text(&output.stdout);
        (output.status.code(), stdout + &text(&output.stderr))
    };
    let (code, stdout) = diff(
        example
            .replace("wait: 2s", "wait: 30s")
            .replace("interval: 1s", "interval: 2s"),
    );
    assert_eq!(code, Some(0), "{stdout}");
    // One more step: one more operation on the most expensive route, which the budget must allow.
    let (code, stdout) = diff(
        example
            .replace(
                "        - charge-request:",
                "        - audit: { task: audit, reads: [input] }\n        - charge-request:",
            )
            .replace("operations: 40", "operations: 41"),
    );
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with(
            "order-fulfilment: breaking:\n  `charge-request` (the first step to replay differently)"
        ),
        "{stdout}"
    );
}
