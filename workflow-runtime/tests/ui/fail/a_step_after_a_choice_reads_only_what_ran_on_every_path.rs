workflow_runtime::workflow!("fixtures/a_step_after_a_choice_reads_only_what_ran_on_every_path.workflow.yaml");

fn main() {}
