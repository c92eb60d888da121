workflow_runtime::workflow!("fixtures/a_poll_never_raises_too_many_failures.workflow.yaml");

fn main() {}
