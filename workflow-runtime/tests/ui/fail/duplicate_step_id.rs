workflow_runtime::workflow!("fixtures/duplicate_step_id.workflow.yaml");

fn main() {}
