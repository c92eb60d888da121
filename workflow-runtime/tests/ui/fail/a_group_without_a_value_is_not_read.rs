workflow_runtime::workflow!("fixtures/a_group_without_a_value_is_not_read.workflow.yaml");

fn main() {}
