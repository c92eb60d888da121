// The README is the crate's documentation: its examples compile as doctests.
#![doc = include_str!("../README.md")]
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
