workflow_runtime::workflow!("fixtures/an_interval_needs_a_unit.workflow.yaml");

fn main() {}
