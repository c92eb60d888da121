workflow_runtime::workflow!("fixtures/a_used_workflow_must_be_valid.workflow.yaml");

fn main() {}
