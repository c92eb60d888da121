//! The loyalty point service as a library, independent of where it runs.
//!
//! Hexagonal layout (`docs/architecture.md`): [`core`] is the pure domain, [`ports`] the traits it needs,
//! [`use_cases`] the transport-independent operations (called by the HTTP router, the event handlers and the
//! Lambda functions), [`handlers`] the anti-corruption layer and change-stream handlers, [`http`] the API router,
//! its authentication and the clients of the external services, [`telemetry`] logs and spans, and
//! [`tier_workflow`] everything of the tier upgrade workflow. The adapters live with the deployment targets:
//! `loyalty-lambdas` (AWS) and `loyalty-local` (SQLite, the in-process bus, durable-local).
#![warn(missing_docs)]

pub mod core;
pub mod handlers;
pub mod http;
pub mod net;
pub mod ports;
pub mod producers;
pub mod telemetry;
pub mod tier_workflow;
pub mod use_cases;
