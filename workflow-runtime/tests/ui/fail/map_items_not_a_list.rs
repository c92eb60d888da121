use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Input;

#[derive(Debug, Serialize, Deserialize)]
pub struct Members {
    pub members: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Member;

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("fixtures/map_items_not_a_list.workflow.yaml");

fn main() {}
