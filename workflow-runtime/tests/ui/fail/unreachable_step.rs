workflow_runtime::workflow!("fixtures/unreachable_step.workflow.yaml");

fn main() {}
