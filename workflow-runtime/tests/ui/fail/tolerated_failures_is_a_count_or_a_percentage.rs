workflow_runtime::workflow!("fixtures/tolerated_failures_is_a_count_or_a_percentage.workflow.yaml");

fn main() {}
