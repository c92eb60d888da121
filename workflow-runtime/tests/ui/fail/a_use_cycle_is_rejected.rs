workflow_runtime::workflow!("fixtures/a_use_cycle_is_rejected.workflow.yaml");

fn main() {}
