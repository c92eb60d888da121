//! JWT verification and minting for the API (behaviour F2), on `jsonwebtoken`: HS256, HS384 and HS512 only, `exp`
//! required, `nbf` honoured, `sub` a non-empty string. The time claims are checked here against the caller's clock
//! (the service's injected clock), not the library's system clock, so tests can move time.

use std::sync::LazyLock;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

/// The algorithms a token may be signed with: the HMAC family, with the one shared secret.
const ACCEPTED: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

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
    /// A token could not be minted (its claims could not be encoded).
    #[error("cannot mint a token: {0}")]
    Mint(String),
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

/// The library's validation with its own time and audience checks off: the signature and the algorithm are its
/// job, the claims ours (against the injected clock). Built once: every API request uses it.
static SIGNATURE_ONLY: LazyLock<Validation> = LazyLock::new(|| {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = ACCEPTED.to_vec();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation
});

fn rejection(token: &str, kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        // The header parsed but names another algorithm: name it in the reason (this second parse happens only
        // for a refused token, never on the accepted path).
        ErrorKind::InvalidAlgorithm => {
            TokenError::AlgorithmNotAccepted(jsonwebtoken::decode_header(token).map_or_else(
                |_| "other than HS256, HS384, HS512".to_owned(),
                |header| format!("{:?}", header.alg),
            ))
        }
        ErrorKind::InvalidAlgorithmName => {
            TokenError::AlgorithmNotAccepted("other than HS256, HS384, HS512".to_owned())
        }
        _ => TokenError::Malformed,
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
    let key = DecodingKey::from_secret(secret).map_err(|_| TokenError::NoSecret)?;
    let claims =
        jsonwebtoken::decode::<Map<String, Value>>(token.as_bytes(), &key, &SIGNATURE_ONLY)
            .map_err(|e| rejection(token, e.kind()))?
            .claims;
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
pub fn mint_hs256(
    user_id: &str,
    secret: &[u8],
    now_secs: i64,
    lifetime_secs: i64,
) -> Result<String, TokenError> {
    mint(
        Algorithm::HS256,
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
) -> Result<String, TokenError> {
    mint(
        Algorithm::HS256,
        &json!({"sub": user_id, "iss": issuer, "iat": now_secs, "exp": now_secs + lifetime_secs}),
        secret,
    )
}

fn mint(algorithm: Algorithm, claims: &Value, secret: &[u8]) -> Result<String, TokenError> {
    let key = EncodingKey::from_secret(secret).map_err(|_| TokenError::NoSecret)?;
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key)
        .map_err(|error| TokenError::Mint(error.to_string()))
}

/// Test helpers to mint tokens with arbitrary headers and claims (other algorithms, missing claims).
#[doc(hidden)]
pub mod testing {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    /// Mints a token with the given claims: signed with `alg` when it is HS256/HS384/HS512; for any other `alg`
    /// the header names it and the signature is a placeholder (such a token is refused for its algorithm before
    /// any signature is checked).
    pub fn mint_with(alg: &str, claims: &Value, secret: &[u8]) -> String {
        let signed = match alg {
            "HS256" => mint(Algorithm::HS256, claims, secret),
            "HS384" => mint(Algorithm::HS384, claims, secret),
            "HS512" => mint(Algorithm::HS512, claims, secret),
            _ => Err(TokenError::AlgorithmNotAccepted(alg.to_owned())),
        };
        signed.unwrap_or_else(|_| {
            let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            format!("{header}.{payload}.c2lnbmF0dXJl")
        })
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::testing::mint_with;
    use super::*;

    const SECRET: &[u8] = b"This is a sample secret key that should not be used in production`";
    const NOW: i64 = 1_800_000_000;

    fn hs256(user: &str, lifetime: i64) -> String {
        mint_hs256(user, SECRET, NOW, lifetime).unwrap()
    }

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
            verify(&hs256("u1", 86_400), SECRET, NOW + 86_399).as_deref(),
            Ok("u1")
        );
    }

    #[test]
    fn expiry_and_not_before_are_checked_against_the_given_clock_not_the_system_clock() {
        // Far in the past for the system clock, valid for the injected one.
        let old = mint_hs256("u1", SECRET, 1_000, 60).unwrap();
        assert_eq!(verify(&old, SECRET, 1_030).as_deref(), Ok("u1"));
        assert_eq!(verify(&old, SECRET, 1_060), Err(TokenError::Expired));
        let later = mint_with(
            "HS256",
            &json!({"sub": "u1", "exp": NOW + 60, "nbf": NOW + 10}),
            SECRET,
        );
        assert_eq!(verify(&later, SECRET, NOW + 10).as_deref(), Ok("u1"));
    }

    #[test]
    fn every_f2_case_is_rejected_with_its_reason() {
        let good = json!({"sub": "u1", "exp": NOW + 60});
        let cases = [
            (
                mint_with("HS256", &json!({"sub": "u1"}), SECRET),
                TokenError::MissingExpiry,
            ),
            (
                mint_with("HS256", &json!({"sub": "u1", "exp": "tomorrow"}), SECRET),
                TokenError::MissingExpiry,
            ),
            (
                mint_with("HS256", &json!({"exp": NOW + 60}), SECRET),
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": "", "exp": NOW + 60}), SECRET),
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": 42, "exp": NOW + 60}), SECRET),
                TokenError::MissingSubject,
            ),
            (
                mint_with("HS256", &json!({"sub": "u1", "exp": NOW}), SECRET),
                TokenError::Expired,
            ),
            (
                mint_with("HS256", &good, b"another secret"),
                TokenError::BadSignature,
            ),
            (
                mint_with("RS256", &good, SECRET),
                TokenError::AlgorithmNotAccepted("RS256".into()),
            ),
            (
                mint_with("ES256", &good, SECRET),
                TokenError::AlgorithmNotAccepted("ES256".into()),
            ),
            // The library has no `none` algorithm: such a header does not even parse.
            (mint_with("none", &good, SECRET), TokenError::Malformed),
            (
                mint_with(
                    "HS256",
                    &json!({"sub": "u1", "exp": NOW + 60, "nbf": NOW + 10}),
                    SECRET,
                ),
                TokenError::NotYetValid,
            ),
            ("not-a-jwt".to_owned(), TokenError::Malformed),
            ("a.b.c".to_owned(), TokenError::Malformed),
            (String::new(), TokenError::Missing),
        ];
        for (token, expected) in cases {
            assert_eq!(verify(&token, SECRET, NOW), Err(expected), "token {token}");
        }
        assert_eq!(
            verify(&hs256("u1", 60), b"", NOW),
            Err(TokenError::NoSecret)
        );
    }

    #[test]
    fn a_tampered_payload_fails_the_signature_check() {
        let token = hs256("u1", 60);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({"sub": "admin", "exp": NOW + 60}).to_string());
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(
            verify(&tampered, SECRET, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_header_claiming_another_hmac_algorithm_than_the_signature_fails() {
        let token = hs256("u1", 60);
        let parts: Vec<&str> = token.split('.').collect();
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "HS512", "typ": "JWT"}).to_string());
        let relabelled = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_eq!(
            verify(&relabelled, SECRET, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn the_service_token_carries_its_issuer_and_lifetime() {
        let token = mint_service_token("u1", "loyalty", SECRET, NOW, 60).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(
            claims,
            json!({"sub": "u1", "iss": "loyalty", "iat": NOW, "exp": NOW + 60})
        );
        assert_eq!(verify(&token, SECRET, NOW + 59).as_deref(), Ok("u1"));
    }

    #[test]
    fn the_bearer_prefix_is_stripped_case_insensitively() {
        assert_eq!(token_from_authorization("Bearer abc"), "abc");
        assert_eq!(token_from_authorization("bearer   abc"), "abc");
        assert_eq!(token_from_authorization("abc"), "abc");
        assert_eq!(token_from_authorization("Bearerabc"), "Bearerabc");
    }
}
