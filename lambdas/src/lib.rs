//! The loyalty point service.
//!
//! Hexagonal layout (see `ARCHITECTURE.md`): [`core`] is the pure domain, [`ports`] the traits it needs,
//! [`use_cases`] the transport-independent operations (called by the HTTP router, the event handlers and, later,
//! the Lambda binaries), and [`adapters`] the SQLite implementations.
#![warn(missing_docs)]

pub mod adapters;
pub mod core;
pub mod ports;
pub mod use_cases;
