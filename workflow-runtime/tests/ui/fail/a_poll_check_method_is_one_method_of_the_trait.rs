workflow_runtime::workflow!("fixtures/a_poll_check_method_is_one_method_of_the_trait.workflow.yaml");

fn main() {}
