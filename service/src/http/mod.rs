//! HTTP: the loyalty API as one axum `Router` (served by `loyalty-local` and, behind `lambda_http`, by the API
//! functions), its token authentication, its envelope and errors, and the clients of the external services.

pub mod api;
pub mod api_error;
pub mod auth;
pub mod envelope;
pub mod service_clients;
pub mod state;

pub use api::{api_routes, with_gateway_fallback};
pub use api_error::ApiError;
pub use state::{ApiState, JwtSecret};
