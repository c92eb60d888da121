workflow_runtime::workflow!("fixtures/a_map_over_a_step_without_output_is_rejected.workflow.yaml");

fn main() {}
