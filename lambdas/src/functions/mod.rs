//! The glue of the nine Lambda functions: each module reads its settings (the original's environment variables),
//! builds its adapters once at cold start, and exposes a `handle` that takes the real `aws_lambda_events` payload,
//! so tests can call it against moto and durable-local without the Lambda runtime. `src/bin/<name>.rs` only runs
//! these handlers under `lambda_runtime` / `lambda_http` / the durable SDK.

pub mod api;
pub mod credit_events;
pub mod environment;
pub mod event_loop;
pub mod orchestrator;
pub mod order_history;
pub mod points_updated;
pub mod tier_queues;

pub use environment::{cold_start, init_tracing, optional_env, required_env};
pub use event_loop::run_events;
