//! Every step kind inside choice arms (a goto within an arm, a nested choice, a map, parallel,
//! invoke, callback, wait, a poll whose timeout goes to a later step of the arm) and a goto over a
//! whole choice generate code that compiles.

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Input;

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    Postponed,
    Done,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Kind {
    Batch,
    Fan,
    Other(u32),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry;

#[derive(Debug, Serialize, Deserialize)]
pub struct Check {
    pub kind: Kind,
    pub urgent: bool,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Note;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ask;

impl From<&(Note, ())> for Ask {
    fn from(_both: &(Note, ())) -> Self {
        Self
    }
}

workflow_runtime::workflow!("fixtures/choice-nesting.workflow.yaml");

fn main() {
    let _ = (
        Input,
        Outcome::Postponed,
        Outcome::Done,
        Kind::Batch,
        Kind::Fan,
        Kind::Other(0),
        Note,
    );
    let _ = choice_nesting::Functions::from_env;
}
