workflow_runtime::workflow!("fixtures/a_step_of_a_group_does_not_read_the_group.workflow.yaml");

fn main() {}
