workflow_runtime::workflow!("fixtures/a_map_over_an_unknown_step_suggests_the_closest_id.workflow.yaml");

fn main() {}
