//! Compile-time behaviour of `workflow!` (trybuild): every spec problem is a compile error
//! naming the YAML `file:line:col`; valid specs and the committed snapshot compile.
//! Bless changed `.stderr` files with `TRYBUILD=overwrite cargo test -p workflow-runtime --test ui`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// trybuild compiles each case in `<target>/tests/trybuild/workflow-runtime/`, and that is the
/// `CARGO_MANIFEST_DIR` the macro resolves spec paths against; the fixtures are copied there,
/// so the cases work on a fresh target directory.
fn stage_fixtures() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp");
    let project: PathBuf = target.join("tests/trybuild/workflow-runtime/fixtures");
    std::fs::create_dir_all(&project).unwrap();
    for entry in std::fs::read_dir(manifest.join("tests/ui/fixtures")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, project.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        manifest.join("../tier-upgrade.workflow.yaml"),
        project.join("tier-upgrade.workflow.yaml"),
    )
    .unwrap();
}

#[test]
fn workflow_macro_compiles_valid_specs_and_rejects_invalid_ones_with_yaml_locations() {
    stage_fixtures();
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

/// The lines between the markers of `tests/ui/pass/readme_activities.rs`, which the test above compiles, are the
/// `Activities` example of `workflow-macros/README.md` (its indented code block, without the indent).
#[test]
fn the_readme_activities_example_is_the_compiled_one() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(manifest.join("../workflow-macros/README.md")).unwrap();
    let opening = "  ```rust\n  impl tier_upgrade::Activities for TierActivities {";
    let start = readme
        .find(opening)
        .expect("workflow-macros/README.md has no indented `impl tier_upgrade::Activities` block")
        + "  ```rust\n".len();
    let length = readme[start..]
        .find("  ```\n")
        .expect("the README's Activities block is not closed");
    let from_readme: Vec<&str> = readme[start..start + length]
        .lines()
        .map(|line| line.strip_prefix("  ").unwrap_or(line))
        .collect();
    let case =
        std::fs::read_to_string(manifest.join("tests/ui/pass/readme_activities.rs")).unwrap();
    let compiled: Vec<&str> = case
        .lines()
        .skip_while(|line| *line != "// README example: begin")
        .skip(1)
        .take_while(|line| *line != "// README example: end")
        .collect();
    assert!(
        !compiled.is_empty(),
        "readme_activities.rs has no README example between its markers"
    );
    assert_eq!(
        from_readme, compiled,
        "the Activities example of workflow-macros/README.md differs from tests/ui/pass/readme_activities.rs"
    );
}
