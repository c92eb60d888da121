workflow_runtime::workflow!("fixtures/a_map_raises_only_too_many_failures.workflow.yaml");

fn main() {}
