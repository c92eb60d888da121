workflow_runtime::workflow!("fixtures/a_deadline_shorter_than_the_interval_is_rejected.workflow.yaml");

fn main() {}
