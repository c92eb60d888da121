//! The loyalty point service.
//!
//! Hexagonal layout (see `ARCHITECTURE.md`): [`core`] is the pure domain, [`ports`] the traits it needs,
//! [`use_cases`] the transport-independent operations (called by the HTTP router, the event handlers and the
//! Lambda functions), [`handlers`] the anti-corruption layer and change-stream handlers, [`adapters`] the
//! AWS / SQLite / HTTP implementations, [`functions`] the glue of the nine Lambda functions, and [`local`] the
//! embedded all-in-one service behind `loyalty-local`.
#![warn(missing_docs)]

pub mod adapters;
pub mod catalog;
pub mod core;
pub mod functions;
pub mod handlers;
pub mod local;
pub mod orders;
pub mod ports;
pub mod telemetry;
pub mod tier;
pub mod tier_workflow;
pub mod use_cases;
pub mod workflow;
