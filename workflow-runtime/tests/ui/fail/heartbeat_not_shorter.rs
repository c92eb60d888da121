workflow_runtime::workflow!("fixtures/heartbeat_not_shorter.workflow.yaml");

fn main() {}
