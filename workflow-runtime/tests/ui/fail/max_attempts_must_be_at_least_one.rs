workflow_runtime::workflow!("fixtures/max_attempts_must_be_at_least_one.workflow.yaml");

fn main() {}
