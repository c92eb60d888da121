workflow_runtime::workflow!("fixtures/invalid_identifier.workflow.yaml");

fn main() {}
