workflow_runtime::workflow!("fixtures/a_tolerated_percentage_is_at_most_100.workflow.yaml");

fn main() {}
