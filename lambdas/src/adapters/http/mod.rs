//! HTTP: the loyalty API as one axum `Router` (served locally by `loyalty-local`, later by `lambda_http`).

pub mod api;
pub mod api_error;
pub mod auth;
pub mod envelope;

pub use api::{ApiState, JwtSecret, api_routes, with_gateway_fallback};
pub use api_error::ApiError;

#[cfg(test)]
mod api_tests;
