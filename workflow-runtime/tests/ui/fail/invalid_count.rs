workflow_runtime::workflow!("fixtures/invalid_count.workflow.yaml");

fn main() {}
