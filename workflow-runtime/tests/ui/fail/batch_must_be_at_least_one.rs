workflow_runtime::workflow!("fixtures/batch_must_be_at_least_one.workflow.yaml");

fn main() {}
