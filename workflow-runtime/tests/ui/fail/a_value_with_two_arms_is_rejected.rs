workflow_runtime::workflow!("fixtures/a_value_with_two_arms_is_rejected.workflow.yaml");

fn main() {}
