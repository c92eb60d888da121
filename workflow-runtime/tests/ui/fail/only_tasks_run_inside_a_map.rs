workflow_runtime::workflow!("fixtures/only_tasks_run_inside_a_map.workflow.yaml");

fn main() {}
