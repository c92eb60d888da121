workflow_runtime::workflow!("fixtures/semantics_is_not_allowed_on_a_wait_step.workflow.yaml");

fn main() {}
