workflow_runtime::workflow!("fixtures/a_group_needs_steps.workflow.yaml");

fn main() {}
