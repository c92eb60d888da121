//! The service's use-cases and change-stream handler on the real SQLite adapters.

mod change_stream;
mod credit_batch;
mod credit_points;
mod spend_points;
