//! `loyalty-local serve --backend aws` and its DynamoDB Streams poller against moto server and durable-local
//! (built with the `aws` feature).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../lambdas/tests/support/moto.rs"]
mod moto;
#[path = "../support/process.rs"]
mod process;
#[path = "../support/mod.rs"]
mod support;

mod serve_aws;
mod signed_put_events;
mod stream_poller;
