use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Name(String);

#[derive(Debug, Serialize, Deserialize)]
pub struct Greeting(String);

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    Done,
}

workflow_runtime::workflow!("fixtures/greet.workflow.yaml");

struct Greeter;

impl greet::Activities for Greeter {}

fn main() {}
