workflow_runtime::workflow!("fixtures/the_done_field_must_be_snake_case.workflow.yaml");

fn main() {}
