//! The caller of an API request: the `sub` of a verified JWT (behaviour F2).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::core::jwt::{token_from_authorization, verify};
use crate::http::api_error::ApiError;
use crate::http::state::{ApiState, JwtSecret};
use crate::ports::Clock;

/// The authenticated user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

/// Verifies the request's `Authorization` header against `secret` at the clock's time.
pub fn authenticate(
    parts: &Parts,
    secret: &JwtSecret,
    clock: &impl Clock,
) -> Result<Caller, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or_default())
        .unwrap_or_default();
    let token = token_from_authorization(header);
    verify(token, secret.as_bytes(), clock.now_ms() / 1000)
        .map(Caller)
        .map_err(|reason| {
            tracing::warn!(%reason, "request rejected: unauthorized");
            ApiError::Unauthorized
        })
}

impl<S, C> FromRequestParts<ApiState<S, C>> for Caller
where
    S: Send + Sync,
    C: Clock,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState<S, C>,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, &state.jwt_secret, &state.clock)
    }
}
