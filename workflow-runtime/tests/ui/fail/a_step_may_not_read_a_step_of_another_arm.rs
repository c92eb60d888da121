workflow_runtime::workflow!("fixtures/a_step_may_not_read_a_step_of_another_arm.workflow.yaml");

fn main() {}
