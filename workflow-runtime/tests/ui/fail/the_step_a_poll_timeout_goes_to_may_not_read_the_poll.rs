workflow_runtime::workflow!("fixtures/the_step_a_poll_timeout_goes_to_may_not_read_the_poll.workflow.yaml");

fn main() {}
