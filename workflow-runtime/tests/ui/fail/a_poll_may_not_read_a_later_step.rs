workflow_runtime::workflow!("fixtures/a_poll_may_not_read_a_later_step.workflow.yaml");

fn main() {}
