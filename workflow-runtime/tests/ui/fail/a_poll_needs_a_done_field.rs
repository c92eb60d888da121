workflow_runtime::workflow!("fixtures/a_poll_needs_a_done_field.workflow.yaml");

fn main() {}
