workflow_runtime::workflow!("fixtures/a_goto_may_not_leave_its_arm.workflow.yaml");

fn main() {}
