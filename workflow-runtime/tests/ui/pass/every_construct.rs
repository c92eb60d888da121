//! Every step kind, retry, catch (finish, goto, fail), early finish, wait, succeed and fail
//! generates code that compiles against a hand-written `Activities` impl.

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Input {
    pub order: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Outcome {
    AlreadyDone,
    Unconfirmed,
    Confirmed,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Prepared {
    pub already_done: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Left(u32);

#[derive(Debug, Serialize, Deserialize)]
pub struct PartnerRequest {
    pub left: u32,
}

impl From<(&(Left, ()), &Prepared)> for PartnerRequest {
    fn from((fan_out, _prepared): (&(Left, ()), &Prepared)) -> Self {
        Self { left: fan_out.0.0 }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Confirmation {
    pub by: String,
}

workflow_runtime::workflow!("fixtures/every-construct.workflow.yaml");

use every_construct::{Activities, Error, ErrorKind};

struct Everything;

impl Activities for Everything {
    async fn prepare(&self, input: &Input) -> Result<Prepared, Error> {
        Ok(Prepared {
            already_done: input.order == 0,
        })
    }

    async fn left(&self, _prepare: &Prepared) -> Result<Left, Error> {
        Ok(Left(1))
    }

    async fn right(&self) -> Result<(), Error> {
        Err(Error::new(ErrorKind::Rejected, "the partner said no"))
    }

    async fn ask_for_confirmation(
        &self,
        callback_id: &str,
        _prepare: &Prepared,
    ) -> Result<(), Error> {
        println!("confirm with {callback_id}");
        Ok(())
    }

    async fn compensate(&self, _input: &Input, _prepare: &Prepared) -> Result<(), Error> {
        Ok(())
    }
}

fn main() {
    let functions = every_construct::Functions::from_env().unwrap();
    let _service = aws_durable_execution_sdk::wrap(
        every_construct::handler(Everything, functions),
        aws_durable_execution_sdk::Options::default(),
    );
    assert_eq!(every_construct::SPEC_HASH.len(), 64);
}
