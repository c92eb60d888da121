workflow_runtime::workflow!("fixtures/poll_timeout_is_raised_only_by_polls.workflow.yaml");

fn main() {}
