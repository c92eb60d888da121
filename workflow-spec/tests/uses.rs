#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `use:` in everything the crate derives from a spec: the used file is read relative to the using one and
//! validated with it, its cost is added to the step's, its fingerprint names it, and the files that cannot be
//! used are errors at the `use:` value.

use std::path::{Path, PathBuf};

const FIXTURES: &str = "../workflow-runtime/tests/ui/fixtures";

fn load(name: &str) -> Result<workflow_spec::Workflow, workflow_spec::Diagnostics> {
    let file = format!("{FIXTURES}/{name}");
    workflow_spec::load(&std::fs::read_to_string(&file).unwrap(), &file)
}

/// A directory of its own under the target's temporary directory, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_used_workflow_is_loaded_with_the_one_that_uses_it() {
    let workflow = load("checkout.workflow.yaml").unwrap();
    let used = workflow.used_workflows();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].path, "billing.workflow.yaml");
    assert_eq!(used[0].workflow.name, "billing");
    let source = std::fs::read(format!("{FIXTURES}/billing.workflow.yaml")).unwrap();
    assert_eq!(used[0].spec_hash, workflow_spec::spec_hash(&source));
    let bill = workflow.all_steps()[1];
    assert_eq!(
        bill.output_type().map(|t| t.path.as_str()),
        Some("crate::payment::Billed")
    );
}

#[test]
fn a_use_step_costs_its_child_context_and_the_used_workflows_worst_route() {
    let workflow = load("checkout.workflow.yaml").unwrap();
    let routes = workflow_spec::routes(&workflow).unwrap();
    let completed = routes.last().unwrap();
    assert_eq!(
        completed.to_string(),
        "price -> bill -> outcome [no arm] -> ship => Completed"
    );
    // spec hash + price + bill (1 + billing's 4: its spec hash, authorize, settle-payment, capture) + ship.
    assert_eq!(completed.operations.fixed, 8);
    assert_eq!(completed.wall_time.fixed, std::time::Duration::from_secs(1));
}

#[test]
fn a_use_steps_fingerprint_names_the_workflow_and_its_types() {
    let workflow = load("checkout.workflow.yaml").unwrap();
    let bill = workflow_spec::operations(&workflow)
        .into_iter()
        .find(|op| op.id == "bill")
        .unwrap();
    assert_eq!(
        bill.descriptor,
        "use billing(crate::payment::Charge) -> crate::payment::Billed"
    );
}

#[test]
fn a_broken_used_workflow_is_reported_at_the_use_value() {
    let missing = load("a_used_workflow_file_must_exist.workflow.yaml").unwrap_err();
    assert_eq!(missing.items.len(), 1);
    assert!(
        missing.items[0]
            .message
            .starts_with("cannot read the workflow `bilings.workflow.yaml`")
    );
    assert_eq!(
        (
            missing.items[0].position.line,
            missing.items[0].position.col
        ),
        (6, 12)
    );

    let invalid = load("a_used_workflow_must_be_valid.workflow.yaml").unwrap_err();
    assert!(
        invalid.items[0]
            .message
            .contains("invalid-billing.workflow.yaml:5:43"),
        "{invalid}"
    );
    let cycle = load("a_use_cycle_is_rejected.workflow.yaml").unwrap_err();
    assert!(cycle.items[0].message.contains("is a cycle"), "{cycle}");
}

#[test]
fn a_cycle_through_another_file_is_rejected() {
    let dir = scratch("use-cycle");
    let spec = |name: &str, uses: &str| {
        format!(
            "workflow: {name}\ninput: crate::I\noutput: crate::O\nsteps:\n  - next:\n      use: {uses}\n      reads: [input]\nfinish: Done\n"
        )
    };
    std::fs::write(dir.join("a.workflow.yaml"), spec("a", "b.workflow.yaml")).unwrap();
    std::fs::write(dir.join("b.workflow.yaml"), spec("b", "a.workflow.yaml")).unwrap();
    let file = dir.join("a.workflow.yaml");
    let diagnostics = workflow_spec::load(
        &std::fs::read_to_string(&file).unwrap(),
        &file.to_string_lossy(),
    )
    .unwrap_err();
    // a uses b, whose `use: a.workflow.yaml` is the cycle: reported inside b, summarised at a's `use:`.
    assert_eq!(diagnostics.items.len(), 1, "{diagnostics}");
    assert!(
        diagnostics.items[0].message.contains("is a cycle"),
        "{diagnostics}"
    );
}

#[test]
fn two_used_workflows_with_one_name_are_rejected() {
    let dir = scratch("use-same-name");
    let used = |step: &str| {
        format!(
            "workflow: billing\ninput: crate::I\noutput: crate::O\nsteps:\n  - {step}: {{ task: {step} }}\nfinish: Paid\n"
        )
    };
    std::fs::write(dir.join("one.workflow.yaml"), used("first")).unwrap();
    std::fs::write(dir.join("two.workflow.yaml"), used("second")).unwrap();
    let parent = "workflow: parent\ninput: crate::I\noutput: crate::O\nsteps:\n  - a:\n      use: one.workflow.yaml\n      reads: [input]\n  - b:\n      use: two.workflow.yaml\n      reads: [input]\nfinish: Done\n";
    let file = dir.join("parent.workflow.yaml");
    std::fs::write(&file, parent).unwrap();
    let diagnostics = workflow_spec::load(parent, &file.to_string_lossy()).unwrap_err();
    assert_eq!(diagnostics.items.len(), 1, "{diagnostics}");
    assert_eq!(
        diagnostics.items[0].message,
        "`b` uses `two.workflow.yaml`, another workflow named `billing` than the one `one.workflow.yaml` names"
    );
    // The same file used twice is one module.
    let twice = parent.replace("two.workflow.yaml", "one.workflow.yaml");
    let workflow = workflow_spec::load(&twice, &file.to_string_lossy()).unwrap();
    assert_eq!(workflow.used_workflows().len(), 1);
}
