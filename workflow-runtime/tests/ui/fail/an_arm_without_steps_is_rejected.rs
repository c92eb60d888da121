workflow_runtime::workflow!("fixtures/an_arm_without_steps_is_rejected.workflow.yaml");

fn main() {}
