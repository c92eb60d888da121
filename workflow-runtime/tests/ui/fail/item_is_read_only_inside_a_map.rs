workflow_runtime::workflow!("fixtures/item_is_read_only_inside_a_map.workflow.yaml");

fn main() {}
