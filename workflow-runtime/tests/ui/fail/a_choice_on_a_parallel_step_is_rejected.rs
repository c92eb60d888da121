workflow_runtime::workflow!("fixtures/a_choice_on_a_parallel_step_is_rejected.workflow.yaml");

fn main() {}
