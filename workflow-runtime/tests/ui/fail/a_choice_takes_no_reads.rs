workflow_runtime::workflow!("fixtures/a_choice_takes_no_reads.workflow.yaml");

fn main() {}
