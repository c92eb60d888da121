//! `GET /loyalty` and `POST /loyalty` as one axum `Router`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::core::spend::SpendAmount;
use crate::http::api_error::ApiError;
use crate::http::auth::Caller;
use crate::http::envelope::{CorsProfile, envelope_response};
use crate::http::state::ApiState;
use crate::ports::{AccountStore, Clock};
use crate::use_cases::{SpendRequest, get_account, spend_points};

/// The header a client sends to make a spend idempotent (behaviour F4).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header set on a response that repeats the first response of an `Idempotency-Key`.
pub const IDEMPOTENCY_REPLAYED: &str = "idempotency-replayed";

/// The `/loyalty` routes, without a fallback (see [`with_gateway_fallback`]).
pub fn api_routes<S, C>(state: ApiState<S, C>) -> Router
where
    S: AccountStore + Clone + 'static,
    C: Clock + Clone + 'static,
{
    Router::new()
        .route(
            "/loyalty",
            get(get_loyalty::<S, C>)
                .post(post_loyalty::<S, C>)
                .options(preflight)
                .fallback(missing_authentication_token),
        )
        .with_state(state)
}

/// Answers every other route like API Gateway's REST API: 403 `{"message":"Missing Authentication Token"}`.
pub fn with_gateway_fallback(router: Router) -> Router {
    router.fallback(missing_authentication_token)
}

async fn missing_authentication_token() -> Response {
    let mut response = (
        StatusCode::FORBIDDEN,
        r#"{"message":"Missing Authentication Token"}"#,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// CORS preflight as the CDK API answers it (behaviour keep-cors).
async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET,PUT,POST,DELETE"),
    );
    response
}

async fn get_loyalty<S: AccountStore, C: Clock>(
    State(state): State<ApiState<S, C>>,
    Caller(user_id): Caller,
) -> Result<Response, ApiError> {
    let account = get_account(&state.store, &user_id)
        .await
        .map_err(ApiError::on_get)?;
    Ok(envelope_response(
        StatusCode::OK,
        CorsProfile::Get,
        Some(&account),
        true,
        &[],
    ))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Err(ApiError::InvalidIdempotencyKey);
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

async fn post_loyalty<S: AccountStore, C: Clock>(
    State(state): State<ApiState<S, C>>,
    Caller(user_id): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let amount = SpendAmount::from_body(&body)?;
    let request = SpendRequest {
        user_id,
        amount,
        idempotency_key: idempotency_key(&headers)?,
    };
    let outcome = spend_points(&state.store, &state.clock, &request)
        .await
        .map_err(ApiError::on_post)?;
    let mut response = envelope_response(
        StatusCode::CREATED,
        CorsProfile::Post,
        Some(&outcome.account),
        true,
        &[],
    );
    if outcome.replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}
