workflow_runtime::workflow!("fixtures/too_many_failures_is_raised_only_by_maps.workflow.yaml");

fn main() {}
