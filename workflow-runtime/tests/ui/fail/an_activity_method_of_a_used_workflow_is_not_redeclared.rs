workflow_runtime::workflow!("fixtures/an_activity_method_of_a_used_workflow_is_not_redeclared.workflow.yaml");

fn main() {}
