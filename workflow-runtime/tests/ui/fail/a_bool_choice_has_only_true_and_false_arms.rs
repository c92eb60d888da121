workflow_runtime::workflow!("fixtures/a_bool_choice_has_only_true_and_false_arms.workflow.yaml");

fn main() {}
