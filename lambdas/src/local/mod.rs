//! The embedded all-in-one service behind the `loyalty-local` binary: the API, the PutEvents endpoint, the bus, the
//! queue pollers and the change stream in one process over one SQLite file.

pub mod aws_backend;
pub mod data_dir_lock;
pub mod producers;
pub mod secret;
pub mod service;
pub mod tier_workflow;

pub use service::{EmbeddedService, ServiceConfig};

#[cfg(test)]
mod service_tests;

#[cfg(test)]
mod http_tests;
