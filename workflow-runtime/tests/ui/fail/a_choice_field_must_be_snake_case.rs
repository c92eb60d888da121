workflow_runtime::workflow!("fixtures/a_choice_field_must_be_snake_case.workflow.yaml");

fn main() {}
