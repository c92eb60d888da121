workflow_runtime::workflow!("fixtures/unknown_step_reference.workflow.yaml");

fn main() {}
