workflow_runtime::workflow!("fixtures/a_poll_needs_an_output.workflow.yaml");

fn main() {}
