workflow_runtime::workflow!("fixtures/only_tasks_run_inside_a_map_not_polls.workflow.yaml");

fn main() {}
