workflow_runtime::workflow!("fixtures/a_deadline_must_be_longer_than_zero.workflow.yaml");

fn main() {}
