workflow_runtime::workflow!("/srv/workflows/demo.workflow.yaml");

fn main() {}
