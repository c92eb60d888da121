//! durable-local: a restart-durable, embedded AWS Lambda durable-execution service that runs
//! the official `aws-durable-execution-sdk` unchanged.
//!
//! Handlers are registered by function name: durable ones are wrapped with
//! `aws_durable_execution_sdk::wrap` and talk to this service through an in-process
//! `aws_sdk_lambda` HTTP client; plain async functions serve as chained-invoke targets. Every
//! state change is committed to SQLite (WAL) before it is acknowledged, and [`DurableLocal::open`]
//! re-arms the timers of running executions when their function is registered again.
#![warn(missing_docs, unreachable_pub)]

mod api;
pub mod demo;
mod error;
mod handler;
pub mod http_server;
mod info;
mod inproc;
pub mod lambda_host;
mod local;
mod model;
mod runner;
pub mod service;
mod store;
mod time;
mod transitions;
pub mod wire;

pub use error::{Error, ServiceError};
pub use info::{ExecutionInfo, OperationInfo};
pub use local::{DurableLocal, DurableLocalOptions};
pub use store::Durability;
pub use time::TimeControl;
pub use wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};
