workflow_runtime::workflow!("fixtures/callback_without_timeout.workflow.yaml");

fn main() {}
