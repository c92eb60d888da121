workflow_runtime::workflow!("fixtures/the_execution_timeout_is_whole_seconds.workflow.yaml");

fn main() {}
