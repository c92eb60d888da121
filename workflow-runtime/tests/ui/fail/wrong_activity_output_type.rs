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

impl greet::Activities for Greeter {
    async fn greet(&self, name: &Name) -> Result<String, greet::Error> {
        Ok(format!("hello {}", name.0))
    }
}

fn main() {}
