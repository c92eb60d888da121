workflow_runtime::workflow!("fixtures/unknown_key.workflow.yaml");

fn main() {}
