workflow_runtime::workflow!("fixtures/otherwise_never_runs_when_true_and_false_have_arms.workflow.yaml");

fn main() {}
