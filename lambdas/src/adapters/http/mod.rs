//! HTTP: the loyalty API as one axum `Router` (served locally by `loyalty-local`, later by `lambda_http`), the
//! EventBridge `PutEvents` endpoint of the embedded bus, and a `PutEvents` client.

pub mod api;
pub mod api_error;
pub mod auth;
pub mod envelope;
pub mod event_bridge_client;
pub mod put_events;
pub mod service_clients;

pub use api::{ApiState, JwtSecret, api_routes, with_gateway_fallback};
pub use api_error::ApiError;
pub use event_bridge_client::EventBridgeClient;

#[cfg(test)]
mod api_tests;
