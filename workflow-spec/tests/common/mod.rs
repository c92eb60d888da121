//! Helpers shared by the diagnostic tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The header every small test spec starts with.
pub const HEAD: &str = "workflow: demo
input: crate::Input
output: crate::Outcome
errors:
  Transient: worth retrying
";

/// A spec with the common header, these steps, and `finish: Done`.
pub fn with_steps(steps: &str) -> String {
    format!("{HEAD}steps:\n{steps}finish: Done\n")
}

/// The rendered diagnostics of an invalid spec named `demo.workflow.yaml`.
pub fn diagnostics(yaml: &str) -> String {
    match workflow_spec::load(yaml, "demo.workflow.yaml") {
        Ok(workflow) => panic!("expected diagnostics, but the spec is valid: {workflow:?}"),
        Err(diagnostics) => diagnostics.to_string(),
    }
}
