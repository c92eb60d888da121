workflow_runtime::workflow!("fixtures/an_enum_arm_must_be_an_upper_camel_case_variant.workflow.yaml");

fn main() {}
