workflow_runtime::workflow!(tier_upgrade);

fn main() {}
