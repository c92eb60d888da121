workflow_runtime::workflow!("fixtures/a_poll_backoff_is_between_1_and_100.workflow.yaml");

fn main() {}
