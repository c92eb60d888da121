workflow_runtime::workflow!("fixtures/a_use_step_reads_one_value.workflow.yaml");

fn main() {}
