workflow_runtime::workflow!("fixtures/a_route_over_the_budget_is_rejected.workflow.yaml");

fn main() {}
