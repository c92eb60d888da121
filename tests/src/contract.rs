//! What the HTTP contract tests of `GET`/`POST /loyalty` share: the exact envelopes, the CORS header checks
//! (behaviour keep-cors) and a service with one funded account.

use crate::api::{ApiResponse, LoyaltyApi};
use crate::fresh_user_id;
use crate::scenario::welcome_and_wait;
use crate::service::RunningService;

/// The 401 envelope of both routes (behaviour F2).
pub const UNAUTHORIZED: &str = r#"{"success":false,"message":["Unauthorized"]}"#;
/// The 404 envelope of both routes (behaviour F3).
pub const NOT_FOUND: &str = r#"{"success":false,"message":["Not found"]}"#;

/// The CORS headers every answer carries: any origin, and the given allowed headers and methods (behaviour keep-cors).
pub fn assert_cors_allows(response: &ApiResponse, allowed_headers: &str, allowed_methods: &str) {
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some(allowed_headers),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some(allowed_methods),
        "{response:?}"
    );
}

/// A JSON answer with the given CORS headers.
fn assert_json_with_cors(response: &ApiResponse, allowed_headers: &str, allowed_methods: &str) {
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{response:?}"
    );
    assert_cors_allows(response, allowed_headers, allowed_methods);
}

/// GET answers and the 401 of POST carry `*` for headers and methods (behaviour keep-cors).
pub fn assert_get_cors_headers(response: &ApiResponse) {
    assert_json_with_cors(response, "*", "*");
}

/// POST results carry `Content-Type` and the explicit method list (behaviour keep-cors).
pub fn assert_post_cors_headers(response: &ApiResponse) {
    assert_json_with_cors(response, "Content-Type", "POST,GET,PUT,DELETE");
}

/// The 200/201 envelope of an account of `user` holding `points`.
pub fn success_body(user: &str, points: i64) -> String {
    format!(
        r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":true,"message":[]}}"#
    )
}

/// The 400 envelope of a spend larger than the balance, showing the balance of `points`.
pub fn insufficient_body(user: &str, points: i64) -> String {
    format!(
        r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":false,"message":["You don't have enough points"]}}"#
    )
}

/// A service with one account holding 100 points.
pub async fn service_with_a_100_point_account(
    prefix: &str,
) -> anyhow::Result<(RunningService, LoyaltyApi, String)> {
    let service = RunningService::start().await?;
    let api = LoyaltyApi::new(service.addr())?;
    let user = fresh_user_id(prefix);
    welcome_and_wait(&service, &api, &user).await?;
    Ok((service, api, user))
}
