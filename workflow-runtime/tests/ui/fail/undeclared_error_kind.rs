workflow_runtime::workflow!("fixtures/undeclared_error_kind.workflow.yaml");

fn main() {}
