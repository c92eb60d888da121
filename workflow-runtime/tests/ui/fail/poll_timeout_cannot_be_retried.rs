workflow_runtime::workflow!("fixtures/poll_timeout_cannot_be_retried.workflow.yaml");

fn main() {}
