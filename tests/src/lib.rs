//! Harness for the end-to-end tests and the benchmark of the embedded loyalty service.
//!
//! Everything here talks to the real `loyalty-local` binary from the outside: it starts the process on a free
//! loopback port in a temporary data directory, speaks HTTP/1.1 and EventBridge `PutEvents` to it, runs its CLI
//! subcommands, and kills every process it started when dropped.
#![warn(missing_docs)]

pub mod api;
pub mod binary;
pub mod cli;
pub mod contract;
pub mod events;
pub mod http;
pub mod jwt;
pub mod scenario;
pub mod service;
pub mod wait;

pub use api::{ApiResponse, LoyaltyApi};
pub use binary::{BinaryProfile, locate_loyalty_local};
pub use events::{CloudEventBuilder, PutEntry, PutEventsOutcome};
pub use scenario::{wait_behind_markers, wait_for_balance_logged, welcome_and_wait};
pub use service::{RunningService, ServiceOptions};
pub use wait::wait_until;

/// The JWT secret the tests start the service with.
pub const TEST_JWT_SECRET: &str = "e2e-test-secret-that-is-long-enough-for-hs512";

/// A fresh user id, unique per call, so tests never share an account.
pub fn fresh_user_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}
