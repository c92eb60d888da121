workflow_runtime::workflow!("fixtures/max_interval_is_not_shorter_than_interval.workflow.yaml");

fn main() {}
