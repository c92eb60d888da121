workflow_runtime::workflow!("fixtures/cycle.workflow.yaml");

fn main() {}
