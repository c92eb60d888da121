workflow_runtime::workflow!("fixtures/a_poll_reads_only_what_always_ran_before_it.workflow.yaml");

fn main() {}
