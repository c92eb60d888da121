workflow_runtime::workflow!("fixtures/invalid_type_path.workflow.yaml");

fn main() {}
