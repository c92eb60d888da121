//! How the API answers every failure (behaviour F1, F2, F3, F4): status, envelope message and CORS profile.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::core::spend::SpendRequestError;
use crate::http::envelope::{CorsProfile, envelope_response};
use crate::ports::{PublishError, StoreError};
use crate::use_cases::LoyaltyError;

/// The message of an invalid `Idempotency-Key` header.
pub const INVALID_IDEMPOTENCY_KEY: &str =
    "Idempotency-Key must be 1 to 255 printable ASCII characters";

/// A failed API request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Missing or invalid token (behaviour F2): 401 `{"success":false,"message":["Unauthorized"]}`.
    #[error("Unauthorized")]
    Unauthorized,
    /// An invalid spend body (behaviour F1): 400 naming the problem.
    #[error(transparent)]
    InvalidSpend(#[from] SpendRequestError),
    /// An invalid `Idempotency-Key` header: 400.
    #[error("{INVALID_IDEMPOTENCY_KEY}")]
    InvalidIdempotencyKey,
    /// A use-case failure, answered for the given route.
    #[error("{error}")]
    UseCase {
        /// What failed.
        error: LoyaltyError,
        /// Which route's CORS profile applies.
        cors: CorsProfile,
    },
}

impl ApiError {
    /// A use-case failure of `GET /loyalty`.
    pub fn on_get(error: LoyaltyError) -> Self {
        Self::UseCase {
            error,
            cors: CorsProfile::Get,
        }
    }

    /// A use-case failure of `POST /loyalty`.
    pub fn on_post(error: LoyaltyError) -> Self {
        Self::UseCase {
            error,
            cors: CorsProfile::Post,
        }
    }
}

fn backend_status(error: &LoyaltyError) -> StatusCode {
    match error {
        LoyaltyError::Store(StoreError::Unavailable(_))
        | LoyaltyError::Publish(PublishError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let post = CorsProfile::Post;
        match self {
            ApiError::Unauthorized => envelope_response(
                StatusCode::UNAUTHORIZED,
                CorsProfile::Get,
                None,
                false,
                &["Unauthorized"],
            ),
            ApiError::InvalidSpend(reason) => envelope_response(
                StatusCode::BAD_REQUEST,
                post,
                None,
                false,
                &[&reason.to_string()],
            ),
            ApiError::InvalidIdempotencyKey => envelope_response(
                StatusCode::BAD_REQUEST,
                post,
                None,
                false,
                &[INVALID_IDEMPOTENCY_KEY],
            ),
            ApiError::UseCase { error, cors } => match &error {
                LoyaltyError::NotFound => {
                    envelope_response(StatusCode::NOT_FOUND, cors, None, false, &["Not found"])
                }
                LoyaltyError::InsufficientPoints { current } => envelope_response(
                    StatusCode::BAD_REQUEST,
                    cors,
                    Some(current),
                    false,
                    &["You don't have enough points"],
                ),
                LoyaltyError::ConflictAfterRetries => envelope_response(
                    StatusCode::BAD_REQUEST,
                    cors,
                    None,
                    false,
                    &["Concurrent modification conflict after retries"],
                ),
                LoyaltyError::IdempotencyKeyReused => envelope_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    cors,
                    None,
                    false,
                    &["Idempotency-Key was already used for a different request"],
                ),
                LoyaltyError::Store(_) | LoyaltyError::Publish(_) => {
                    tracing::error!(%error, "backend failure");
                    envelope_response(
                        backend_status(&error),
                        cors,
                        None,
                        false,
                        &["Unknown error"],
                    )
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    async fn answer(error: ApiError) -> (StatusCode, String) {
        let response = error.into_response();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn f3_an_unavailable_dependency_is_503_and_any_other_backend_failure_500() {
        let busy = ApiError::on_get(LoyaltyError::Store(StoreError::Unavailable(
            "database is locked".into(),
        )));
        let broken = ApiError::on_post(LoyaltyError::Store(StoreError::Backend(
            "no such table".into(),
        )));
        let unknown = r#"{"success":false,"message":["Unknown error"]}"#.to_owned();
        assert_eq!(
            answer(busy).await,
            (StatusCode::SERVICE_UNAVAILABLE, unknown.clone())
        );
        assert_eq!(
            answer(broken).await,
            (StatusCode::INTERNAL_SERVER_ERROR, unknown)
        );
    }

    #[tokio::test]
    async fn exhausted_optimistic_lock_retries_keep_the_original_message() {
        assert_eq!(
            answer(ApiError::on_post(LoyaltyError::ConflictAfterRetries)).await,
            (
                StatusCode::BAD_REQUEST,
                r#"{"success":false,"message":["Concurrent modification conflict after retries"]}"#
                    .to_owned()
            )
        );
    }
}
