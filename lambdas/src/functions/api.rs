//! `get-loyalty-account` and `spend-loyalty-points`: the API's axum Router (the same as `loyalty-local` serves)
//! on the DynamoDB account store, with the JWT secret read from SSM with decryption and the maximum token lifetime
//! from `JWT_MAX_TOKEN_LIFETIME_SECONDS` (behaviour F2).

use std::time::Duration;

use aws_config::SdkConfig;
use axum::Router;
use lambda_http::RequestExt;
use tower::ServiceExt;

use crate::aws::{AwsError, DynamoAccountStore, ParameterStore};
use crate::functions::{optional_env, required_env};
use loyalty_service::http::{ApiState, JwtSecret, api_routes, with_gateway_fallback};
use loyalty_service::ports::SystemClock;
use loyalty_service::telemetry::Flusher;

/// The settings of the API functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSettings {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `JWT_SECRET_PARAM_NAME`: the SSM SecureString holding the HS256 secret.
    pub jwt_secret_param_name: String,
    /// `JWT_MAX_TOKEN_LIFETIME_SECONDS`: the longest lifetime a token may have left (`None`: the service's
    /// default, 30 days).
    pub max_token_lifetime: Option<Duration>,
}

/// The optional variable bounding how far ahead a token's `exp` may lie (behaviour F2).
pub const MAX_TOKEN_LIFETIME_ENV: &str = "JWT_MAX_TOKEN_LIFETIME_SECONDS";

/// The value of [`MAX_TOKEN_LIFETIME_ENV`] as [`optional_env`] reads it: `None` (unset or empty) keeps the default,
/// anything else must be a positive whole number of seconds.
pub fn parse_max_token_lifetime(value: Option<&str>) -> Result<Option<Duration>, AwsError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Some(Duration::from_secs(secs))),
        _ => Err(AwsError::InvalidEnv {
            name: MAX_TOKEN_LIFETIME_ENV.to_owned(),
            reason: format!("{value:?} is not a positive whole number of seconds"),
        }),
    }
}

impl ApiSettings {
    /// Reads `TABLE_NAME`, `JWT_SECRET_PARAM_NAME` and the optional `JWT_MAX_TOKEN_LIFETIME_SECONDS`.
    pub fn from_env() -> Result<Self, AwsError> {
        Ok(Self {
            table_name: required_env("TABLE_NAME")?,
            jwt_secret_param_name: required_env("JWT_SECRET_PARAM_NAME")?,
            max_token_lifetime: parse_max_token_lifetime(
                optional_env(MAX_TOKEN_LIFETIME_ENV).as_deref(),
            )?,
        })
    }
}

/// The API, built once per container.
#[derive(Debug, Clone)]
pub struct ApiFunction {
    router: Router,
}

impl ApiFunction {
    /// Reads the secret and builds the router on the table.
    pub async fn new(config: &SdkConfig, settings: &ApiSettings) -> Result<Self, AwsError> {
        let secret = ParameterStore::new(aws_sdk_ssm::Client::new(config))
            .get(&settings.jwt_secret_param_name, true)
            .await?;
        let store =
            DynamoAccountStore::new(aws_sdk_dynamodb::Client::new(config), &settings.table_name);
        let mut jwt_secret = JwtSecret::new(&secret);
        if let Some(max_lifetime) = settings.max_token_lifetime {
            jwt_secret = jwt_secret.with_max_lifetime(max_lifetime);
        }
        let router = with_gateway_fallback(api_routes(ApiState {
            store,
            clock: SystemClock,
            jwt_secret,
        }));
        Ok(Self { router })
    }

    /// The router, for `lambda_http::run`.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Answers one API Gateway request. The path is the resource path without the stage prefix that
    /// `lambda_http` adds for REST APIs (`/dev/loyalty` -> `/loyalty`).
    pub async fn handle(&self, request: lambda_http::Request) -> axum::response::Response {
        let request = without_stage(request);
        match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// Serves API Gateway requests under `lambda_http` until the runtime stops, flushing the spans of each
    /// request before its answer (a frozen Lambda exports nothing).
    pub async fn run(self, flusher: Flusher) -> Result<(), lambda_runtime::Error> {
        lambda_http::run(lambda_http::service_fn(move |request| {
            let api = self.clone();
            let flusher = flusher.clone();
            async move {
                let response = api.handle(request).await;
                flusher.flush().await;
                Ok::<_, std::convert::Infallible>(response)
            }
        }))
        .await
    }
}

/// The request with its URI path replaced by the raw HTTP path (no stage), query kept.
pub fn without_stage(mut request: lambda_http::Request) -> lambda_http::Request {
    let raw_path = request.raw_http_path().to_owned();
    if raw_path.is_empty() {
        return request;
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{raw_path}?{query}"),
        None => raw_path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path) = path_and_query.parse() {
        parts.path_and_query = Some(path);
        if let Ok(uri) = http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_token_lifetime_is_unset_or_a_positive_whole_number_of_seconds() {
        assert_eq!(parse_max_token_lifetime(None), Ok(None));
        assert_eq!(
            parse_max_token_lifetime(Some("3600")),
            Ok(Some(Duration::from_secs(3600)))
        );
        assert_eq!(
            parse_max_token_lifetime(Some("2592000")),
            Ok(Some(Duration::from_secs(2_592_000)))
        );
        for bad in ["0", "-5", "1.5", "30d", " 60", "", "18446744073709551616"] {
            let error = parse_max_token_lifetime(Some(bad)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "environment variable JWT_MAX_TOKEN_LIFETIME_SECONDS is invalid: {bad:?} is not a positive \
                     whole number of seconds"
                ),
            );
        }
    }
}
