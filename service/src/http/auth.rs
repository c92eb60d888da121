//! The caller of an API request: the `sub` of a verified JWT (behaviour keep-jwt, F2).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::core::jwt::{token_from_authorization, verify_with_max_lifetime};
use crate::http::api_error::ApiError;
use crate::http::state::{ApiState, JwtSecret};
use crate::ports::Clock;

/// The authenticated user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

/// Verifies the request's `Authorization: Bearer <token>` header against `secret` (and its maximum token lifetime)
/// at the clock's time.
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
    token_from_authorization(header)
        .and_then(|token| {
            verify_with_max_lifetime(
                token,
                secret.as_bytes(),
                clock.now_ms() / 1000,
                secret.max_lifetime(),
            )
        })
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::Request;

    use super::*;
    use crate::core::jwt::mint_hs256;

    const NOW: i64 = 1_800_000_000;

    struct FixedClock;

    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            NOW * 1000
        }
    }

    fn parts(authorization: Option<&str>) -> Parts {
        let mut request = Request::get("/loyalty");
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn only_a_bearer_header_authenticates_and_the_secrets_maximum_lifetime_applies() {
        let secret = JwtSecret::new("s");
        let day = mint_hs256("u1", b"s", NOW, 86_400).unwrap();
        for header in [format!("Bearer {day}"), format!("bearer\t{day}")] {
            assert_eq!(
                authenticate(&parts(Some(&header)), &secret, &FixedClock),
                Ok(Caller("u1".into())),
                "{header}"
            );
        }
        for header in [Some(day.as_str()), Some("Bearer"), Some(""), None] {
            assert_eq!(
                authenticate(&parts(header), &secret, &FixedClock),
                Err(ApiError::Unauthorized),
                "{header:?}"
            );
        }
        let bearer = format!("Bearer {day}");
        let hour_at_most = secret.with_max_lifetime(Duration::from_secs(3600));
        assert_eq!(
            authenticate(&parts(Some(&bearer)), &hour_at_most, &FixedClock),
            Err(ApiError::Unauthorized)
        );
        let forty_days = mint_hs256("u1", b"s", NOW, 40 * 86_400).unwrap();
        let bearer = format!("Bearer {forty_days}");
        assert_eq!(
            authenticate(&parts(Some(&bearer)), &JwtSecret::new("s"), &FixedClock),
            Err(ApiError::Unauthorized)
        );
        let sixty_days = JwtSecret::new("s").with_max_lifetime(Duration::from_secs(60 * 86_400));
        assert_eq!(
            authenticate(&parts(Some(&bearer)), &sixty_days, &FixedClock),
            Ok(Caller("u1".into()))
        );
    }
}
