workflow_runtime::workflow!("fixtures/a_map_over_a_field_of_a_map_is_rejected.workflow.yaml");

fn main() {}
