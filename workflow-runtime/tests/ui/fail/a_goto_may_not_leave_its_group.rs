workflow_runtime::workflow!("fixtures/a_goto_may_not_leave_its_group.workflow.yaml");

fn main() {}
