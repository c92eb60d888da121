workflow_runtime::workflow!("fixtures/a_poll_needs_max_attempts_or_a_deadline.workflow.yaml");

fn main() {}
