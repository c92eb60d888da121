//! The loyalty service on one laptop, in one process: the API and the EventBridge `PutEvents` endpoint on one
//! listener, the in-process bus with its queues, pollers and change stream over one SQLite file, and the tier
//! workflow on durable-local. Behind the `aws` feature, the same runner on the AWS adapters (`serve --backend aws`).
#![warn(missing_docs)]

#[cfg(feature = "aws")]
pub mod aws_backend;
pub mod bus;
pub mod data_dir_lock;
pub mod embedded;
pub mod secret;
pub mod service;
pub mod tier_workflow;

pub use service::{EmbeddedService, ServiceConfig};

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod damage_tests;
#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod span_tests;
#[cfg(test)]
mod use_case_tests;
