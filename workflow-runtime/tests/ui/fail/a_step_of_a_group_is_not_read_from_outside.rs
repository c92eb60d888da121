workflow_runtime::workflow!("fixtures/a_step_of_a_group_is_not_read_from_outside.workflow.yaml");

fn main() {}
