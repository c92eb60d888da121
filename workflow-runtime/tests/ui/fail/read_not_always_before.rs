workflow_runtime::workflow!("fixtures/read_not_always_before.workflow.yaml");

fn main() {}
