workflow_runtime::workflow!("fixtures/semantics_is_not_allowed_on_a_poll_step.workflow.yaml");

fn main() {}
