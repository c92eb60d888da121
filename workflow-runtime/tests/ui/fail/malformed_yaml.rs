workflow_runtime::workflow!("fixtures/malformed_yaml.workflow.yaml");

fn main() {}
