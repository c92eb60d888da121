//! How the HTTP API answers a refused request: the Lambda API's modeled error shape, a JSON
//! body with `__type` and `message` and the `x-amzn-ErrorType` header, so that the SDK and every
//! AWS client classify it exactly as they would the real service's.

use axum::Json;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ServiceError;

/// A [`ServiceError`] on its way out of a handler.
#[derive(Debug)]
pub(crate) struct ApiError(pub(crate) ServiceError);

impl ApiError {
    /// The answer to a path or method the API does not have: the service's
    /// `ResourceNotFoundException`, not a bare 404 or 405.
    pub(crate) fn no_route(method: &Method, uri: &Uri) -> Self {
        Self(ServiceError::ResourceNotFound(format!(
            "No route for {method} {}",
            uri.path()
        )))
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = self.0.error_type();
        tracing::debug!(kind, "request failed: {}", self.0);
        let status =
            StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({"Type": "User", "message": self.0.to_string(), "__type": kind});
        (status, [("x-amzn-errortype", kind)], Json(body)).into_response()
    }
}

/// The answer of a Lambda function that failed: 200 with `X-Amz-Function-Error: Unhandled`.
pub(crate) fn function_error(error_type: &str, message: &str) -> Response {
    (
        [("x-amz-function-error", "Unhandled")],
        Json(json!({"errorType": error_type, "errorMessage": message})),
    )
        .into_response()
}
