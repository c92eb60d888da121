//! The AWS side of the service in one test binary (one link of the AWS SDKs instead of seven): the adapters, the
//! functions' handlers, and the real binaries, against moto server and durable-local.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/moto.rs"]
mod moto;
#[path = "../support/runtime_api.rs"]
mod runtime_api;
#[path = "../support/stand_ins.rs"]
mod support;

mod adapters;
mod functions;
mod lambda_binaries;
mod lambda_workflows;
mod tier_workflow;
