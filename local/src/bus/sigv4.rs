//! AWS Signature Version 4 on the `PutEvents` endpoint: with credentials configured, only calls signed with them
//! are served (behaviour F19). The aws CLI and every AWS SDK sign their calls already; `loyalty-local publish`
//! signs with [`sign`].
//!
//! What is checked, as AWS checks it: the `Authorization` header's algorithm (`AWS4-HMAC-SHA256`), its credential
//! (the configured access key id, a scope of `<date>/<region>/events/aws4_request` whose date is the request's),
//! `X-Amz-Date` within 15 minutes of now, `host` and `x-amz-date` among the signed headers, a signed
//! `X-Amz-Content-SHA256` (when sent) equal to the body's hash, and the signature itself, recomputed from the
//! canonical request and compared in constant time. Any region is accepted: the scope's region is part of what is
//! signed, not a setting of this endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::{constant_time, digest, hmac};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::bus::wire::aws_error;

/// The only signing algorithm served.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service name in a `PutEvents` credential scope.
pub const SERVICE: &str = "events";
/// How far `X-Amz-Date` may be from now, either way (AWS's own limit).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// The access key pair calls must be signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
}

impl Credentials {
    /// A key pair; both parts must be non-empty.
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Result<Self, String> {
        if access_key_id.trim().is_empty() || secret_access_key.is_empty() {
            return Err("a PutEvents access key id and secret access key must not be empty".into());
        }
        Ok(Self {
            access_key_id: access_key_id.trim().to_owned(),
            secret_access_key: secret_access_key.to_owned(),
        })
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Why a call was refused, answered as EventBridge answers it (AWS JSON 1.1 error, status 400; 403 when unsigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not a complete SigV4 header.
    Incomplete(String),
    /// Signed with another access key id.
    UnknownKey,
    /// The signature, scope or date does not match.
    Invalid(String),
}

impl Refusal {
    /// The EventBridge-style error response.
    pub fn response(&self) -> Response {
        match self {
            Refusal::Missing => aws_error(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            ),
            Refusal::Incomplete(message) => aws_error(
                StatusCode::BAD_REQUEST,
                "IncompleteSignatureException",
                message,
            ),
            Refusal::UnknownKey => aws_error(
                StatusCode::BAD_REQUEST,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
            Refusal::Invalid(message) => aws_error(
                StatusCode::BAD_REQUEST,
                "InvalidSignatureException",
                message,
            ),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Missing => f.write_str("unsigned call"),
            Refusal::Incomplete(m) | Refusal::Invalid(m) => f.write_str(m),
            Refusal::UnknownKey => f.write_str("signed with an unknown access key id"),
        }
    }
}

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check \
                        your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    /// `<date>/<region>/<service>/aws4_request`.
    scope: &'a str,
    date: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, Refusal> {
    let Some(rest) = header.strip_prefix(ALGORITHM) else {
        return Err(Refusal::Incomplete(format!(
            "Authorization header requires the {ALGORITHM} algorithm"
        )));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        if let Some(value) = part.strip_prefix("Credential=") {
            credential = Some(value);
        } else if let Some(value) = part.strip_prefix("SignedHeaders=") {
            signed = Some(value);
        } else if let Some(value) = part.strip_prefix("Signature=") {
            signature = Some(value);
        }
    }
    let missing = |name: &str| {
        Refusal::Incomplete(format!(
            "Authorization header requires '{name}' parameter. Authorization={header}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let Some((access_key_id, scope)) = credential.split_once('/') else {
        return Err(Refusal::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{credential}'"
        )));
    };
    let parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, "aws4_request"] = parts[..] else {
        return Err(Refusal::Incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{scope}'"
        )));
    };
    if region.is_empty() {
        return Err(Refusal::Incomplete(
            "Credential should be scoped to a valid region".into(),
        ));
    }
    Ok(Authorization {
        access_key_id,
        scope,
        date,
        service,
        signed_headers: signed.split(';').collect(),
        signature,
    })
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

/// Percent-encodes everything but the unreserved characters, as SigV4 canonicalisation does.
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && byte == b'/')
        {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A header's canonical value: every value of the name, trimmed, inner runs of spaces collapsed, joined by `,`.
fn canonical_header_value(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What of a request is signed: method, path, query, the signed headers and the body's hash.
struct CanonicalRequest<'a> {
    method: &'a Method,
    path: &'a str,
    query: &'a str,
    headers: &'a HeaderMap,
    signed_headers: &'a [&'a str],
    payload_hash: &'a str,
}

impl CanonicalRequest<'_> {
    /// The string to sign: the canonical request, hashed, under the algorithm, the date and the scope.
    fn string_to_sign(&self, amz_date: &str, scope: &str) -> String {
        let path = if self.path.is_empty() { "/" } else { self.path };
        let mut pairs: Vec<&str> = self.query.split('&').filter(|p| !p.is_empty()).collect();
        pairs.sort_unstable();
        let canonical_headers: String = self
            .signed_headers
            .iter()
            .map(|name| format!("{name}:{}\n", canonical_header_value(self.headers, name)))
            .collect();
        let canonical_request = format!(
            "{}\n{}\n{}\n{canonical_headers}\n{}\n{}",
            self.method,
            uri_encode(path, true),
            pairs.join("&"),
            self.signed_headers.join(";"),
            self.payload_hash,
        );
        format!(
            "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
            hex_sha256(canonical_request.as_bytes())
        )
    }
}

/// The signature of `string_to_sign` with the key derived from `secret` for `date`/`region`/`service`.
fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let key = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac_sha256(key.as_ref(), region.as_bytes());
    let key = hmac_sha256(key.as_ref(), service.as_bytes());
    let key = hmac_sha256(key.as_ref(), b"aws4_request");
    hex::encode(hmac_sha256(key.as_ref(), string_to_sign.as_bytes()))
}

fn amz_date(time: SystemTime) -> Result<String, String> {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the clock is before 1970".to_owned())?
        .as_secs();
    let seconds = i64::try_from(seconds).map_err(|e| e.to_string())?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|e| e.to_string())?
        .format(AMZ_DATE)
        .map_err(|e| e.to_string())
}

fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let parsed = time::PrimitiveDateTime::parse(text, AMZ_DATE).ok()?;
    let seconds = u64::try_from(parsed.assume_utc().unix_timestamp()).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Checks a call's signature against `credentials` at time `now`.
pub fn verify(
    credentials: &Credentials,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), Refusal> {
    let Some(header) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(Refusal::Missing);
    };
    let header = header
        .to_str()
        .map_err(|_| Refusal::Incomplete("the Authorization header is not ASCII".into()))?;
    let authorization = parse_authorization(header)?;
    if authorization.access_key_id != credentials.access_key_id {
        return Err(Refusal::UnknownKey);
    }
    if authorization.service != SERVICE {
        return Err(Refusal::Invalid(format!(
            "Credential should be scoped to correct service: '{SERVICE}'."
        )));
    }
    let date_header = canonical_header_value(headers, "x-amz-date");
    let Some(signed_at) = parse_amz_date(&date_header) else {
        return Err(Refusal::Incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .into(),
        ));
    };
    if !date_header.starts_with(authorization.date) || authorization.date.len() != 8 {
        return Err(Refusal::Invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
             '{}' != '{}'",
            authorization.date,
            date_header.get(..8).unwrap_or_default()
        )));
    }
    let skew = now
        .duration_since(signed_at)
        .or_else(|e| Ok::<_, ()>(e.duration()))
        .unwrap_or_default();
    if skew > MAX_CLOCK_SKEW {
        let now_text = amz_date(now).unwrap_or_default();
        return Err(Refusal::Invalid(format!(
            "Signature expired or not yet current: {date_header} is more than 15 minutes from {now_text}"
        )));
    }
    for required in ["host", "x-amz-date"] {
        if !authorization.signed_headers.contains(&required) {
            return Err(Refusal::Invalid(format!(
                "'{required}' must be a signed header"
            )));
        }
    }
    let payload_hash = hex_sha256(body);
    if let Some(declared) = headers.get("x-amz-content-sha256")
        && declared.as_bytes() != payload_hash.as_bytes()
    {
        return Err(Refusal::Invalid(
            "The provided 'x-amz-content-sha256' header does not match what was computed.".into(),
        ));
    }
    let region = authorization.scope.split('/').nth(1).unwrap_or_default();
    let to_sign = CanonicalRequest {
        method,
        path,
        query,
        headers,
        signed_headers: &authorization.signed_headers,
        payload_hash: &payload_hash,
    }
    .string_to_sign(&date_header, authorization.scope);
    let expected = signature(
        &credentials.secret_access_key,
        authorization.date,
        region,
        SERVICE,
        &to_sign,
    );
    constant_time::verify_slices_are_equal(expected.as_bytes(), authorization.signature.as_bytes())
        .map_err(|_| Refusal::Invalid(MISMATCH.into()))
}

/// Signs a `POST /` call for `region` at `now`: adds `X-Amz-Date` and `Authorization` to `headers`, which must hold
/// `host` and every other header the call sends that should be signed.
pub fn sign(
    credentials: &Credentials,
    region: &str,
    path: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), String> {
    let date_time = amz_date(now)?;
    let date = date_time.get(..8).unwrap_or_default().to_owned();
    headers.insert(
        "x-amz-date",
        HeaderValue::from_str(&date_time).map_err(|e| e.to_string())?,
    );
    let mut names: Vec<String> = headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name != "authorization")
        .collect();
    names.sort_unstable();
    names.dedup();
    let signed: Vec<&str> = names.iter().map(String::as_str).collect();
    let scope = format!("{date}/{region}/{SERVICE}/aws4_request");
    let to_sign = CanonicalRequest {
        method: &Method::POST,
        path,
        query: "",
        headers,
        signed_headers: &signed,
        payload_hash: &hex_sha256(body),
    }
    .string_to_sign(&date_time, &scope);
    let signature = signature(
        &credentials.secret_access_key,
        &date,
        region,
        SERVICE,
        &to_sign,
    );
    let value = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        credentials.access_key_id,
        signed.join(";")
    );
    headers.insert(
        axum::http::header::AUTHORIZATION,
        HeaderValue::from_str(&value).map_err(|e| e.to_string())?,
    );
    Ok(())
}

/// `router` with `POST /` (the `PutEvents` route) served only to calls signed with `credentials`; every other route
/// is unchanged.
pub fn require_signatures(router: Router, credentials: Credentials) -> Router {
    router.layer(from_fn_with_state(Arc::new(credentials), check))
}

async fn check(
    State(credentials): State<Arc<Credentials>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || request.uri().path() != "/" {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let verified = verify(
        &credentials,
        &parts.method,
        parts.uri.path(),
        parts.uri.query().unwrap_or_default(),
        &parts.headers,
        &body,
        SystemTime::now(),
    );
    match verified {
        Ok(()) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Err(refusal) => {
            tracing::warn!(%refusal, "PutEvents refused");
            refusal.response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(text: &str) -> SystemTime {
        parse_amz_date(text).unwrap()
    }

    /// The worked example of AWS's SigV4 documentation (IAM `ListUsers`, key `AKIDEXAMPLE`): the published
    /// signature, recomputed by this module's canonicalisation and key derivation.
    #[test]
    fn the_documented_example_signature_is_reproduced() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        headers.insert("host", HeaderValue::from_static("iam.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let to_sign = CanonicalRequest {
            method: &Method::GET,
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            signed_headers: &["content-type", "host", "x-amz-date"],
            payload_hash: &hex_sha256(b""),
        }
        .string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request");
        let signature = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
            &to_sign,
        );
        assert_eq!(
            signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    fn signed(credentials: &Credentials, body: &[u8], now: SystemTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("AWSEvents.PutEvents"),
        );
        sign(credentials, "us-east-1", "/", &mut headers, body, now).unwrap();
        headers
    }

    #[test]
    fn a_signed_call_verifies_and_every_alteration_is_refused() {
        let credentials = Credentials::new("AKIDLOCAL", "secret").unwrap();
        let now = at("20261203T101500Z");
        let body = br#"{"Entries":[]}"#;
        let headers = signed(&credentials, body, now);
        let check = |headers: &HeaderMap, body: &[u8], now: SystemTime| {
            verify(&credentials, &Method::POST, "/", "", headers, body, now)
        };

        let mut other_target = headers.clone();
        other_target.insert("x-amz-target", HeaderValue::from_static("AWSEvents.Other"));
        let mut no_auth = headers.clone();
        no_auth.remove("authorization");
        let other_secret = signed(&Credentials::new("AKIDLOCAL", "wrong").unwrap(), body, now);
        let other_key = signed(&Credentials::new("AKIDOTHER", "secret").unwrap(), body, now);
        let mut wrong_hash = headers.clone();
        wrong_hash.insert("x-amz-content-sha256", HeaderValue::from_static("00"));

        assert_eq!(check(&headers, body, now), Ok(()));
        assert_eq!(
            check(&headers, body, now + Duration::from_secs(14 * 60)),
            Ok(())
        );
        assert!(matches!(
            check(&headers, br#"{"Entries":[{}]}"#, now),
            Err(Refusal::Invalid(m)) if m == MISMATCH
        ));
        assert!(matches!(
            check(&other_target, body, now),
            Err(Refusal::Invalid(_))
        ));
        assert_eq!(check(&no_auth, body, now), Err(Refusal::Missing));
        assert!(matches!(
            check(&other_secret, body, now),
            Err(Refusal::Invalid(_))
        ));
        assert_eq!(check(&other_key, body, now), Err(Refusal::UnknownKey));
        assert!(matches!(
            check(&wrong_hash, body, now),
            Err(Refusal::Invalid(_))
        ));
        assert!(matches!(
            check(&headers, body, now + Duration::from_secs(16 * 60)),
            Err(Refusal::Invalid(m)) if m.starts_with("Signature expired")
        ));
        assert!(matches!(
            check(&headers, body, now - Duration::from_secs(16 * 60)),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn malformed_authorization_headers_are_incomplete_signatures() {
        let credentials = Credentials::new("AKIDLOCAL", "secret").unwrap();
        let now = at("20261203T101500Z");
        for value in [
            "Bearer abc",
            "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261203/us-east-1/events/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKIDLOCAL, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261203/us-east-1/events/x, SignedHeaders=host, Signature=00",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", HeaderValue::from_str(value).unwrap());
            headers.insert("x-amz-date", HeaderValue::from_static("20261203T101500Z"));
            let refused = verify(&credentials, &Method::POST, "/", "", &headers, b"", now);
            assert!(
                matches!(refused, Err(Refusal::Incomplete(_))),
                "{value}: {refused:?}"
            );
        }
    }

    #[test]
    fn empty_credentials_are_refused_and_the_secret_never_printed() {
        assert!(Credentials::new("", "s").is_err());
        assert!(Credentials::new("AKID", "").is_err());
        let printed = format!("{:?}", Credentials::new("AKID", "hunter2").unwrap());
        assert!(!printed.contains("hunter2"), "{printed}");
    }
}
