workflow_runtime::workflow!("fixtures/parallel_single_branch.workflow.yaml");

fn main() {}
