workflow_runtime::workflow!("fixtures/no-such.workflow.yaml");

fn main() {}
