use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order;

/// The output has no `delivered` field.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub arrived: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("fixtures/poll-done.workflow.yaml");

fn main() {}
