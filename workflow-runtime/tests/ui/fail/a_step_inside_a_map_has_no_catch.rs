workflow_runtime::workflow!("fixtures/a_step_inside_a_map_has_no_catch.workflow.yaml");

fn main() {}
