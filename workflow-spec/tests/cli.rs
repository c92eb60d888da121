#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `workflow` binary: check, diagram, schema, exit codes.

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
