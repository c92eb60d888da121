workflow_runtime::workflow!("fixtures/a_poll_needs_a_task.workflow.yaml");

fn main() {}
