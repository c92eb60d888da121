workflow_runtime::workflow!("fixtures/a_choice_on_an_unknown_step_suggests_the_closest_id.workflow.yaml");

fn main() {}
