workflow_runtime::workflow!("fixtures/an_empty_otherwise_is_rejected.workflow.yaml");

fn main() {}
