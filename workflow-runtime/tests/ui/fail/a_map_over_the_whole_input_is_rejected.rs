workflow_runtime::workflow!("fixtures/a_map_over_the_whole_input_is_rejected.workflow.yaml");

fn main() {}
