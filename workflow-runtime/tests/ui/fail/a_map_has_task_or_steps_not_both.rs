workflow_runtime::workflow!("fixtures/a_map_has_task_or_steps_not_both.workflow.yaml");

fn main() {}
