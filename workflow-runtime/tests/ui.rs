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
