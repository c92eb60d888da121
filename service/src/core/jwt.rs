//! JWT verification and minting for the API (behaviour F2): HS256, HS384 and HS512 only, `exp` required, `sub` a
//! non-empty string. Hand-written over `hmac` + `sha2` because only the HMAC family is accepted: a general JWT crate
//! would pull in RSA/EC code this service must reject anyway.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::{Sha256, Sha384, Sha512};

/// Why a token was rejected. Every variant answers 401 `Unauthorized`; the reason is only logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header, or an empty token.
    #[error("no token")]
    Missing,
    /// Not three base64url parts with JSON header and payload.
    #[error("malformed token")]
    Malformed,
    /// `alg` is not HS256, HS384 or HS512.
    #[error("algorithm `{0}` is not accepted")]
    AlgorithmNotAccepted(String),
    /// The signature does not verify with the secret.
    #[error("invalid signature")]
    BadSignature,
    /// No numeric `exp` claim.
    #[error("the token has no exp claim")]
    MissingExpiry,
    /// `exp` is in the past.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `sub` is absent, empty or not a string.
    #[error("the token has no usable sub claim")]
    MissingSubject,
    /// The server has no secret configured.
    #[error("no JWT secret is configured")]
    NoSecret,
}

#[derive(Clone, Copy)]
enum Algorithm {
    Hs256,
    Hs384,
    Hs512,
}

impl Algorithm {
    fn parse(name: &str) -> Result<Self, TokenError> {
        match name {
            "HS256" => Ok(Self::Hs256),
            "HS384" => Ok(Self::Hs384),
            "HS512" => Ok(Self::Hs512),
            other => Err(TokenError::AlgorithmNotAccepted(other.to_owned())),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }

    fn sign(self, secret: &[u8], message: &[u8]) -> Vec<u8> {
        fn mac<M: Mac + hmac::digest::KeyInit>(secret: &[u8], message: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
            match <M as Mac>::new_from_slice(secret) {
                Ok(mut mac) => {
                    mac.update(message);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            Self::Hs256 => mac::<Hmac<Sha256>>(secret, message),
            Self::Hs384 => mac::<Hmac<Sha384>>(secret, message),
            Self::Hs512 => mac::<Hmac<Sha512>>(secret, message),
        }
    }

    fn verify(self, secret: &[u8], message: &[u8], signature: &[u8]) -> bool {
        fn check<M: Mac + hmac::digest::KeyInit>(
            secret: &[u8],
            message: &[u8],
            signature: &[u8],
        ) -> bool {
            match <M as Mac>::new_from_slice(secret) {
                Ok(mut mac) => {
                    mac.update(message);
                    mac.verify_slice(signature).is_ok()
                }
                Err(_) => false,
            }
        }
        match self {
            Self::Hs256 => check::<Hmac<Sha256>>(secret, message, signature),
            Self::Hs384 => check::<Hmac<Sha384>>(secret, message, signature),
            Self::Hs512 => check::<Hmac<Sha512>>(secret, message, signature),
        }
    }
}

fn decode_json_object(part: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed),
    }
}

/// Takes the token out of an `Authorization` header value: a leading `bearer` + whitespace is stripped,
/// case-insensitively; a value without it is the token itself (as the original).
pub fn token_from_authorization(header: &str) -> &str {
    let trimmed = header.trim();
    let bytes = trimmed.as_bytes();
    if bytes.len() > 6
        && bytes[..6].eq_ignore_ascii_case(b"bearer")
        && bytes[6].is_ascii_whitespace()
    {
        trimmed[6..].trim_start()
    } else {
        trimmed
    }
}

/// Verifies `token` with `secret` at `now_secs` and returns the user id (`sub`).
pub fn verify(token: &str, secret: &[u8], now_secs: i64) -> Result<String, TokenError> {
    if secret.is_empty() {
        return Err(TokenError::NoSecret);
    }
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header_json = decode_json_object(header)?;
    let algorithm = match header_json.get("alg") {
        Some(Value::String(name)) => Algorithm::parse(name)?,
        _ => return Err(TokenError::Malformed),
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    let signed_len = header.len() + 1 + payload.len();
    if !algorithm.verify(secret, &token.as_bytes()[..signed_len], &signature) {
        return Err(TokenError::BadSignature);
    }
    let claims = decode_json_object(payload)?;
    let now = now_secs as f64;
    match claims.get("exp").and_then(Value::as_f64) {
        None => return Err(TokenError::MissingExpiry),
        Some(exp) if now >= exp => return Err(TokenError::Expired),
        Some(_) => {}
    }
    if let Some(nbf) = claims.get("nbf") {
        match nbf.as_f64() {
            Some(nbf) if now >= nbf => {}
            _ => return Err(TokenError::NotYetValid),
        }
    }
    match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => Ok(sub.clone()),
        _ => Err(TokenError::MissingSubject),
    }
}

/// Mints an HS256 token with `sub`, `iat` and `exp = iat + lifetime_secs`, like the User Management service.
pub fn mint_hs256(user_id: &str, secret: &[u8], now_secs: i64, lifetime_secs: i64) -> String {
    mint(
        Algorithm::Hs256,
        &json!({"sub": user_id, "iat": now_secs, "exp": now_secs + lifetime_secs}),
        secret,
    )
}

/// Mints the HS256 service token the tier workflow sends to the Order Service: `sub`, `iss`, `iat`,
/// `exp = iat + lifetime_secs` (behaviour keep-services).
pub fn mint_service_token(
    user_id: &str,
    issuer: &str,
    secret: &[u8],
    now_secs: i64,
    lifetime_secs: i64,
) -> String {
    mint(
        Algorithm::Hs256,
        &json!({"sub": user_id, "iss": issuer, "iat": now_secs, "exp": now_secs + lifetime_secs}),
        secret,
    )
}

fn mint(algorithm: Algorithm, claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": algorithm.name(), "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(algorithm.sign(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Test helpers to mint tokens with arbitrary headers and claims (other algorithms, missing claims).
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// Mints a token signed with `alg` (`HS256`/`HS384`/`HS512`; anything else gets an HS256 signature under that
    /// header name) and the given claims.
    pub fn mint_with(alg: &str, claims: &Value, secret: &[u8]) -> String {
        let algorithm = Algorithm::parse(alg).unwrap_or(Algorithm::Hs256);
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(algorithm.sign(secret, signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::mint_with;
    use super::*;

    const SECRET: &[u8] = b"This is a sample secret key that should not be used in production`";
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_user_management_token_is_accepted_with_every_hmac_algorithm() {
        for alg in ["HS256", "HS384", "HS512"] {
            let claims = json!({"sub": "11583474239476139124", "user_type": "STANDARD", "exp": NOW + 60, "iat": NOW});
            assert_eq!(
                verify(&mint_with(alg, &claims, SECRET), SECRET, NOW).as_deref(),
                Ok("11583474239476139124")
            );
        }
        assert_eq!(
            verify(&mint_hs256("u1", SECRET, NOW, 86_400), SECRET, NOW + 86_399).as_deref(),
            Ok("u1")
        );
    }

    #[test]
    fn every_f2_case_is_rejected_with_its_reason() {
        let good = json!({"sub": "u1", "exp": NOW + 60});
        let cases = [
            (
                mint_with("HS256", &json!({"sub": "u1"}), SECRET),
                SECRET,
                TokenError::MissingExpiry,
            ),
            (
                mint_with("HS256", &json!({"exp": NOW + 60}), SECRET),
                SECRET,
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": "", "exp": NOW + 60}), SECRET),
                SECRET,
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": 42, "exp": NOW + 60}), SECRET),
                SECRET,
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": "u1", "exp": NOW}), SECRET),
                SECRET,
                TokenError::Expired,
            ),
            (
                mint_with("HS256", &good, b"another secret"),
                SECRET,
                TokenError::BadSignature,
            ),
            (
                mint_with("RS256", &good, SECRET),
                SECRET,
                TokenError::AlgorithmNotAccepted("RS256".into()),
            ),
            (
                mint_with("none", &good, SECRET),
                SECRET,
                TokenError::AlgorithmNotAccepted("none".into()),
            ),
            (
                mint_with(
                    "HS256",
                    &json!({"sub": "u1", "exp": NOW + 60, "nbf": NOW + 10}),
                    SECRET,
                ),
                SECRET,
                TokenError::NotYetValid,
            ),
            ("not-a-jwt".to_owned(), SECRET, TokenError::Malformed),
            (String::new(), SECRET, TokenError::Missing),
        ];
        for (token, secret, expected) in cases {
            assert_eq!(verify(&token, secret, NOW), Err(expected), "token {token}");
        }
    }

    #[test]
    fn a_tampered_payload_fails_the_signature_check() {
        let token = mint_hs256("u1", SECRET, NOW, 60);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"sub": "admin", "exp": NOW + 60}).to_string());
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(
            verify(&tampered, SECRET, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn the_bearer_prefix_is_stripped_case_insensitively() {
        assert_eq!(token_from_authorization("Bearer abc"), "abc");
        assert_eq!(token_from_authorization("bearer   abc"), "abc");
        assert_eq!(token_from_authorization("abc"), "abc");
        assert_eq!(token_from_authorization("Bearerabc"), "Bearerabc");
    }
}
