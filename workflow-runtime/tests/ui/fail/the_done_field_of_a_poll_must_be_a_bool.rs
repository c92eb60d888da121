use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order;

/// `delivered` counts parcels instead of saying whether the poll is done.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub delivered: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("fixtures/poll-done.workflow.yaml");

fn main() {}
