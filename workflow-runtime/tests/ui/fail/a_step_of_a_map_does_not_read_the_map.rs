workflow_runtime::workflow!("fixtures/a_step_of_a_map_does_not_read_the_map.workflow.yaml");

fn main() {}
