workflow_runtime::workflow!("fixtures/invalid_duration.workflow.yaml");

fn main() {}
