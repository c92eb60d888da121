workflow_runtime::workflow!("fixtures/a_map_runs_a_task_or_steps.workflow.yaml");

fn main() {}
