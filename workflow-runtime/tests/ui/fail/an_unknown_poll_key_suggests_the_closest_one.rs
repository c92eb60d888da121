workflow_runtime::workflow!("fixtures/an_unknown_poll_key_suggests_the_closest_one.workflow.yaml");

fn main() {}
