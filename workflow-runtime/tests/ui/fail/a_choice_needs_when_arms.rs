workflow_runtime::workflow!("fixtures/a_choice_needs_when_arms.workflow.yaml");

fn main() {}
