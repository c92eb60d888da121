//! The compatible response envelope `{"data"?, "success", "message": [..]}` and the CORS header sets
//! (behaviour keep-envelope, keep-cors).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::core::account::Account;

/// Which CORS header set a response carries (behaviour keep-cors, as the original's Lambda responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorsProfile {
    /// GET responses and every 401: `Allow-Headers: *`, `Allow-Methods: *`.
    Get,
    /// POST results: `Allow-Headers: Content-Type`, `Allow-Methods: POST,GET,PUT,DELETE`.
    Post,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountData<'a> {
    user_id: &'a str,
    current_points: i64,
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<AccountData<'a>>,
    success: bool,
    message: &'a [&'a str],
}

/// The envelope's JSON text; `data` is omitted (not null) when there is no account.
pub fn envelope_json(account: Option<&Account>, success: bool, message: &[&str]) -> String {
    let envelope = Envelope {
        data: account.map(|a| AccountData {
            user_id: &a.user_id,
            current_points: a.points,
        }),
        success,
        message,
    };
    // Serialising strings, booleans and integers cannot fail.
    serde_json::to_string(&envelope).unwrap_or_default()
}

/// A JSON response with the given CORS header set.
pub fn json_response(status: StatusCode, cors: CorsProfile, body: String) -> Response {
    let (allow_headers, allow_methods) = match cors {
        CorsProfile::Get => ("*", "*"),
        CorsProfile::Post => ("Content-Type", "POST,GET,PUT,DELETE"),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(allow_headers),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(allow_methods),
    );
    response
}

/// An envelope response.
pub fn envelope_response(
    status: StatusCode,
    cors: CorsProfile,
    account: Option<&Account>,
    success: bool,
    message: &[&str],
) -> Response {
    json_response(status, cors, envelope_json(account, success, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_is_byte_compatible_with_the_original() {
        let account = Account {
            user_id: "u1".into(),
            points: 150,
            version: 3,
            legacy_orders: vec![],
        };
        assert_eq!(
            envelope_json(Some(&account), true, &[]),
            r#"{"data":{"userId":"u1","currentPoints":150},"success":true,"message":[]}"#
        );
        assert_eq!(
            envelope_json(None, false, &["Not found"]),
            r#"{"success":false,"message":["Not found"]}"#
        );
    }
}
