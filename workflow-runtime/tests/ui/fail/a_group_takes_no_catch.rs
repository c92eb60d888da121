workflow_runtime::workflow!("fixtures/a_group_takes_no_catch.workflow.yaml");

fn main() {}
