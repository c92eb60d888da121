workflow_runtime::workflow!("fixtures/an_unknown_semantics_lists_the_values.workflow.yaml");

fn main() {}
