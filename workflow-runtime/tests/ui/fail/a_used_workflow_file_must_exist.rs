workflow_runtime::workflow!("fixtures/a_used_workflow_file_must_exist.workflow.yaml");

fn main() {}
