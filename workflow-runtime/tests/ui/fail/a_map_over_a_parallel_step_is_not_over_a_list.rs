workflow_runtime::workflow!("fixtures/a_map_over_a_parallel_step_is_not_over_a_list.workflow.yaml");

fn main() {}
