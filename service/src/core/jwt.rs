//! JWT verification and minting for the API (behaviour F2), on `jsonwebtoken`: HS256, HS384 and HS512 only, `exp`
//! required and at most a maximum lifetime ahead, `nbf` honoured, `sub` a non-empty string. The time claims are
//! checked here against the caller's clock (the service's injected clock), not the library's system clock, so tests
//! can move time.
//!
//! The header and the claims are decoded and parsed here, once each, strictly: canonical base64url without padding,
//! JSON without a repeated key at any depth, no `crit` header parameter. The library deserialises the parsed header
//! (its field types and algorithm names) and checks the signature.

use std::time::Duration;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::core::strict_json::{self, StrictJsonError};

/// The algorithms a token may be signed with: the HMAC family, with the one shared secret.
const ACCEPTED: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// The longest a token may still be valid for, `exp` minus now, unless configured otherwise: 30 days, in seconds
/// (behaviour F2).
pub const DEFAULT_MAX_TOKEN_LIFETIME_SECS: u64 = 30 * 24 * 60 * 60;

/// [`DEFAULT_MAX_TOKEN_LIFETIME_SECS`] as a `Duration`.
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration =
    Duration::from_secs(DEFAULT_MAX_TOKEN_LIFETIME_SECS);

/// base64url (RFC 7515 section 2) in its one canonical form: the URL-safe alphabet only, no `=` padding, and the
/// unused bits of the last character zero (behaviour F2). The signature is decoded by `jsonwebtoken` with the same
/// rules.
const CANONICAL_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Why a token was rejected. Every variant answers 401 `Unauthorized`; the reason is only logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header, or an empty token.
    #[error("no token")]
    Missing,
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    /// Not three canonical base64url parts with JSON objects as header and payload.
    #[error("malformed token")]
    Malformed,
    /// The header or the claims repeat a key (at any depth).
    #[error("a key is repeated in the token's {part}: `{key}`")]
    DuplicateKey {
        /// `header` or `claims`.
        part: &'static str,
        /// The repeated key (cut short when long).
        key: String,
    },
    /// The header has a `crit` parameter: no JWS extension is understood.
    #[error("the token header has a crit parameter")]
    CriticalHeader,
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
    /// `exp` is further ahead than the maximum lifetime.
    #[error("the token's exp is more than {max_lifetime_secs} s ahead")]
    LifetimeTooLong {
        /// The maximum lifetime, in seconds.
        max_lifetime_secs: u64,
    },
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

fn is_space_or_tab(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Takes the token out of an `Authorization` header value `Bearer <token>`: the scheme in any letter case, then one
/// or more spaces or tabs, then the token (behaviour keep-jwt). A value without the scheme is refused, not taken as
/// the token; an empty value, or the scheme alone, is [`TokenError::Missing`].
pub fn token_from_authorization(header: &str) -> Result<&str, TokenError> {
    let value = header.trim_matches(is_space_or_tab);
    if value.is_empty() {
        return Err(TokenError::Missing);
    }
    let Some((scheme, rest)) = value.split_at_checked(6) else {
        return Err(TokenError::NotBearer);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::NotBearer);
    }
    if rest.is_empty() {
        return Err(TokenError::Missing);
    }
    let token = rest.trim_start_matches(is_space_or_tab);
    if token.len() == rest.len() {
        // `Bearerabc`: no separator after the scheme.
        return Err(TokenError::NotBearer);
    }
    Ok(token)
}

/// Decodes one base64url part and parses it as a JSON object, strictly.
fn json_object(part: &'static str, encoded: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = CANONICAL_BASE64URL
        .decode(encoded)
        .map_err(|_| TokenError::Malformed)?;
    match strict_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) | Err(StrictJsonError::Invalid(_)) => Err(TokenError::Malformed),
        Err(StrictJsonError::DuplicateKey(key)) => Err(TokenError::DuplicateKey { part, key }),
    }
}

/// The header's algorithm, once the header is known to use no extension.
fn header_algorithm(encoded: &str) -> Result<Algorithm, TokenError> {
    let header = json_object("header", encoded)?;
    if header.contains_key("crit") {
        return Err(TokenError::CriticalHeader);
    }
    // RFC 7797's unencoded payload (`b64` false) is never honoured; a `b64` that is not `true` is refused, as the
    // library refuses it.
    if header
        .get("b64")
        .is_some_and(|b64| b64 != &Value::Bool(true))
    {
        return Err(TokenError::Malformed);
    }
    let header: Header =
        serde_json::from_value(Value::Object(header)).map_err(|_| TokenError::Malformed)?;
    if ACCEPTED.contains(&header.alg) {
        Ok(header.alg)
    } else {
        Err(TokenError::AlgorithmNotAccepted(format!(
            "{:?}",
            header.alg
        )))
    }
}

/// Verifies `token` with `secret` at `now_secs`, with the default maximum lifetime, and returns the user id (`sub`).
pub fn verify(token: &str, secret: &[u8], now_secs: i64) -> Result<String, TokenError> {
    verify_with_max_lifetime(token, secret, now_secs, DEFAULT_MAX_TOKEN_LIFETIME)
}

/// Verifies `token` with `secret` at `now_secs` and returns the user id (`sub`); a token whose `exp` lies more than
/// `max_lifetime` after `now_secs` is refused (behaviour F2).
pub fn verify_with_max_lifetime(
    token: &str,
    secret: &[u8],
    now_secs: i64,
    max_lifetime: Duration,
) -> Result<String, TokenError> {
    if secret.is_empty() {
        return Err(TokenError::NoSecret);
    }
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    // `<header>.<payload>.<signature>`: the signature covers the text before the last dot.
    let Some((signed, signature)) = token.rsplit_once('.') else {
        return Err(TokenError::Malformed);
    };
    let Some((header, payload)) = signed.split_once('.') else {
        return Err(TokenError::Malformed);
    };
    if payload.contains('.') {
        return Err(TokenError::Malformed);
    }
    let algorithm = header_algorithm(header)?;
    let key = DecodingKey::from_secret(secret).map_err(|_| TokenError::NoSecret)?;
    match jsonwebtoken::crypto::verify(signature, signed.as_bytes(), &key, algorithm) {
        Ok(true) => {}
        Ok(false) => return Err(TokenError::BadSignature),
        Err(_) => return Err(TokenError::Malformed),
    }
    let claims = json_object("claims", payload)?;
    check_claims(&claims, now_secs, max_lifetime)
}

/// The claims checks against the injected clock; the arithmetic is in `f64`, so no `exp` overflows (behaviour F2).
fn check_claims(
    claims: &Map<String, Value>,
    now_secs: i64,
    max_lifetime: Duration,
) -> Result<String, TokenError> {
    let now = now_secs as f64;
    match claims.get("exp").and_then(Value::as_f64) {
        None => return Err(TokenError::MissingExpiry),
        Some(exp) if now >= exp => return Err(TokenError::Expired),
        Some(exp) if exp - now > max_lifetime.as_secs_f64() => {
            return Err(TokenError::LifetimeTooLong {
                max_lifetime_secs: max_lifetime.as_secs(),
            });
        }
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
        &json!({"sub": user_id, "iat": now_secs, "exp": now_secs.saturating_add(lifetime_secs)}),
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
        &json!({"sub": user_id, "iss": issuer, "iat": now_secs, "exp": now_secs.saturating_add(lifetime_secs)}),
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

    /// An HS256 token over the given header and payload parts exactly as written (padding, other alphabets and
    /// all), so that only their encoding can be at fault.
    pub fn sign_parts(header: &str, payload: &str, secret: &[u8]) -> String {
        let message = format!("{header}.{payload}");
        let signature = EncodingKey::from_secret(secret)
            .and_then(|key| jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256))
            .unwrap_or_default();
        format!("{message}.{signature}")
    }

    /// An HS256 token whose header and claims are the given JSON texts (which may repeat keys), base64url-encoded.
    pub fn sign_json(header: &str, claims: &str, secret: &[u8]) -> String {
        sign_parts(
            &URL_SAFE_NO_PAD.encode(header),
            &URL_SAFE_NO_PAD.encode(claims),
            secret,
        )
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::testing::{mint_with, sign_json, sign_parts};
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
    fn the_authorization_header_is_the_bearer_scheme_in_any_case_then_spaces_or_tabs_then_the_token()
     {
        for header in [
            "Bearer abc",
            "bearer abc",
            "BEARER abc",
            "bEaReR abc",
            "Bearer\tabc",
            "Bearer \t  abc",
            "  Bearer abc\t",
        ] {
            assert_eq!(token_from_authorization(header), Ok("abc"), "{header:?}");
        }
    }

    #[test]
    fn a_bare_token_or_another_scheme_is_refused_and_an_empty_one_is_missing() {
        let token = hs256("u1", 60);
        let cases = [
            (token.as_str(), TokenError::NotBearer),
            ("abc", TokenError::NotBearer),
            ("Bearerabc", TokenError::NotBearer),
            ("Basic dTE6cGFzcw==", TokenError::NotBearer),
            ("Token abc", TokenError::NotBearer),
            ("Bearer\u{a0}abc", TokenError::NotBearer),
            // Byte 6 falls inside the `é`: refused, not a panic.
            ("Beare\u{e9}abc", TokenError::NotBearer),
            ("", TokenError::Missing),
            ("  \t", TokenError::Missing),
            ("Bearer", TokenError::Missing),
            ("bearer  \t", TokenError::Missing),
        ];
        for (header, expected) in cases {
            assert_eq!(
                token_from_authorization(header),
                Err(expected),
                "{header:?}"
            );
        }
        assert_eq!(
            token_from_authorization(&format!("Bearer {token}"))
                .and_then(|token| verify(token, SECRET, NOW))
                .as_deref(),
            Ok("u1")
        );
    }

    fn with_exp(exp: &str) -> String {
        sign_json(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &format!(r#"{{"sub":"u1","exp":{exp}}}"#),
            SECRET,
        )
    }

    #[test]
    fn an_exp_further_ahead_than_the_default_maximum_lifetime_is_refused_without_overflow() {
        let max = DEFAULT_MAX_TOKEN_LIFETIME_SECS as i64;
        assert_eq!(max, 2_592_000);
        let too_long = Err(TokenError::LifetimeTooLong {
            max_lifetime_secs: 2_592_000,
        });
        assert_eq!(
            verify(&with_exp(&(NOW + max).to_string()), SECRET, NOW).as_deref(),
            Ok("u1")
        );
        assert_eq!(verify(&hs256("u1", max), SECRET, NOW).as_deref(), Ok("u1"));
        for exp in [
            (NOW + max + 1).to_string(),
            format!("{}.5", NOW + max),
            "1e20".to_owned(),
            "100000000000000000000".to_owned(),
            i64::MAX.to_string(),
            u64::MAX.to_string(),
            "1e300".to_owned(),
            "1.7976931348623157e308".to_owned(),
        ] {
            assert_eq!(verify(&with_exp(&exp), SECRET, NOW), too_long, "exp {exp}");
        }
        // Minted with an overlong lifetime (saturating, not overflowing) and refused likewise.
        assert_eq!(verify(&hs256("u1", i64::MAX), SECRET, NOW), too_long);
        // Still refused once the clock has caught up with part of the lifetime, accepted once inside it.
        let token = hs256("u1", max + 60);
        assert_eq!(verify(&token, SECRET, NOW), too_long);
        assert_eq!(verify(&token, SECRET, NOW + 60).as_deref(), Ok("u1"));
    }

    #[test]
    fn the_maximum_lifetime_is_configurable() {
        let hour = hs256("u1", 3600);
        let verify_within = |token: &str, secs: u64| {
            verify_with_max_lifetime(token, SECRET, NOW, Duration::from_secs(secs))
        };
        assert_eq!(verify_within(&hour, 3600).as_deref(), Ok("u1"));
        assert_eq!(
            verify_within(&hour, 3599),
            Err(TokenError::LifetimeTooLong {
                max_lifetime_secs: 3599
            })
        );
        let year = hs256("u1", 365 * 86_400);
        assert_eq!(verify_within(&year, 400 * 86_400).as_deref(), Ok("u1"));
        assert!(matches!(
            verify(&year, SECRET, NOW),
            Err(TokenError::LifetimeTooLong { .. })
        ));
        assert!(matches!(
            verify_with_max_lifetime(&with_exp("1e300"), SECRET, NOW, Duration::MAX),
            Err(TokenError::LifetimeTooLong { .. })
        ));
    }

    /// The three parts of an HS256 token whose header and claims encodings need padding and contain both `-` and
    /// `_`, and whose signature contains one of them.
    fn awkward_parts() -> (String, String, String) {
        // 41 bytes: 2 past a multiple of 3, so 1 padding character and 2 unused bits.
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT","kid":"??>>~"}"#);
        for n in 10..100 {
            // 41 bytes too.
            let claims = format!(r#"{{"sub":"u{n}","exp":{},"n":"??>>"}}"#, NOW + 60);
            let payload = URL_SAFE_NO_PAD.encode(&claims);
            let token = sign_parts(&header, &payload, SECRET);
            let signature = token.rsplit('.').next().unwrap().to_owned();
            if signature.contains(['-', '_']) {
                return (header, payload, signature);
            }
        }
        unreachable!("some claims give a signature with `-` or `_`")
    }

    /// `part` with the low bit of its last character flipped: the same bytes once decoded leniently (the flipped
    /// bit is one of the unused trailing bits), but not the canonical encoding.
    fn trailing_bits_set(part: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let (body, last) = part.split_at(part.len() - 1);
        let index = ALPHABET
            .iter()
            .position(|c| *c == last.as_bytes()[0])
            .unwrap();
        format!("{body}{}", ALPHABET[index ^ 1] as char)
    }

    fn standard_alphabet(part: &str) -> String {
        part.replace('-', "+").replace('_', "/")
    }

    #[test]
    fn non_canonical_base64url_is_refused_in_every_part() {
        let (header, payload, signature) = awkward_parts();
        assert!(header.contains('-') && header.contains('_') && header.len() % 4 != 0);
        assert!(payload.contains('-') && payload.contains('_') && payload.len() % 4 != 0);
        assert_eq!(signature.len() % 4, 3);
        let canonical = format!("{header}.{payload}.{signature}");
        assert!(verify(&canonical, SECRET, NOW).is_ok());
        // A lenient decoder reads the altered parts as the same bytes, so only the encoding is wrong.
        let lenient = GeneralPurpose::new(
            &alphabet::URL_SAFE,
            GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent)
                .with_decode_allow_trailing_bits(true),
        );
        let pad = |part: &str| format!("{part}{}", "=".repeat((4 - part.len() % 4) % 4));
        let altered = [
            ("padded header", sign_parts(&pad(&header), &payload, SECRET)),
            ("padded claims", sign_parts(&header, &pad(&payload), SECRET)),
            (
                "padded signature",
                format!("{header}.{payload}.{}", pad(&signature)),
            ),
            (
                "one `=` on the header",
                sign_parts(&format!("{header}="), &payload, SECRET),
            ),
            (
                "header in the standard alphabet",
                sign_parts(&standard_alphabet(&header), &payload, SECRET),
            ),
            (
                "claims in the standard alphabet",
                sign_parts(&header, &standard_alphabet(&payload), SECRET),
            ),
            (
                "signature in the standard alphabet",
                format!("{header}.{payload}.{}", standard_alphabet(&signature)),
            ),
            (
                "header trailing bits",
                sign_parts(&trailing_bits_set(&header), &payload, SECRET),
            ),
            (
                "claims trailing bits",
                sign_parts(&header, &trailing_bits_set(&payload), SECRET),
            ),
            (
                "signature trailing bits",
                format!("{header}.{payload}.{}", trailing_bits_set(&signature)),
            ),
        ];
        for (case, token) in &altered {
            let [h, p, s]: [&str; 3] = token.split('.').collect::<Vec<_>>().try_into().unwrap();
            if !case.contains("standard alphabet") {
                let decoded = |part: &str| lenient.decode(part).unwrap();
                assert_eq!(
                    (decoded(h), decoded(p), decoded(s).len()),
                    (decoded(&header), decoded(&payload), 32),
                    "{case}"
                );
            }
            assert_eq!(
                verify(token, SECRET, NOW),
                Err(TokenError::Malformed),
                "{case}"
            );
        }
        let outside_the_alphabet = [
            sign_parts(&format!("{header}*"), &payload, SECRET),
            sign_parts(&header, &format!("{payload} "), SECRET),
            sign_parts(&header, &format!("{payload}\n"), SECRET),
            sign_parts(&header, &payload.replacen('_', "%5F", 1), SECRET),
            format!("{header}.{payload}.{signature}!"),
            format!("{header}.{payload}.{signature}.{signature}"),
            sign_parts(&header, "", SECRET),
            sign_parts("", &payload, SECRET),
        ];
        for token in &outside_the_alphabet {
            assert_eq!(
                verify(token, SECRET, NOW),
                Err(TokenError::Malformed),
                "{token}"
            );
        }
    }

    #[test]
    fn a_repeated_key_in_the_header_or_the_claims_is_refused_at_any_depth() {
        let header = r#"{"alg":"HS256","typ":"JWT"}"#;
        let claims = format!(r#"{{"sub":"u1","exp":{}}}"#, NOW + 60);
        assert_eq!(
            verify(&sign_json(header, &claims, SECRET), SECRET, NOW).as_deref(),
            Ok("u1")
        );
        let exp = NOW + 60;
        let duplicate = |part, key: &str| {
            Err(TokenError::DuplicateKey {
                part,
                key: key.to_owned(),
            })
        };
        let cases = [
            (
                sign_json(r#"{"alg":"HS256","alg":"HS256"}"#, &claims, SECRET),
                duplicate("header", "alg"),
            ),
            (
                sign_json(
                    r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#,
                    &claims,
                    SECRET,
                ),
                duplicate("header", "typ"),
            ),
            (
                sign_json(r#"{"alg":"HS256","x":1,"x":2}"#, &claims, SECRET),
                duplicate("header", "x"),
            ),
            (
                sign_json(
                    r#"{"alg":"HS256","x":{"a":[{"b":1,"b":1}]}}"#,
                    &claims,
                    SECRET,
                ),
                duplicate("header", "b"),
            ),
            (
                sign_json(
                    header,
                    &format!(r#"{{"sub":"u1","sub":"admin","exp":{exp}}}"#),
                    SECRET,
                ),
                duplicate("claims", "sub"),
            ),
            (
                sign_json(
                    header,
                    &format!(r#"{{"sub":"u1","exp":{exp},"exp":{exp}}}"#),
                    SECRET,
                ),
                duplicate("claims", "exp"),
            ),
            (
                sign_json(
                    header,
                    &format!(r#"{{"sub":"u1","exp":{exp},"role":"a","role":"b"}}"#),
                    SECRET,
                ),
                duplicate("claims", "role"),
            ),
            (
                sign_json(
                    header,
                    &format!(r#"{{"sub":"u1","exp":{exp},"profile":{{"tier":"a","tier":"b"}}}}"#),
                    SECRET,
                ),
                duplicate("claims", "tier"),
            ),
            (
                sign_json(
                    header,
                    &format!(r#"{{"sub":"u1","exp":{exp},"l":[[{{"k":1,"k":2}}]]}}"#),
                    SECRET,
                ),
                duplicate("claims", "k"),
            ),
        ];
        for (token, expected) in cases {
            assert_eq!(verify(&token, SECRET, NOW), expected, "{token}");
        }
    }

    #[test]
    fn a_header_with_crit_is_refused_whatever_it_names() {
        let claims = format!(r#"{{"sub":"u1","exp":{}}}"#, NOW + 60);
        for header in [
            // The library alone accepts this one (RFC 7797 with `b64` true).
            r#"{"alg":"HS256","crit":["b64"],"b64":true}"#,
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            r#"{"alg":"HS256","crit":[]}"#,
            r#"{"alg":"HS256","crit":null}"#,
            r#"{"alg":"HS256","typ":"JWT","crit":["x-unknown"],"x-unknown":true}"#,
        ] {
            assert_eq!(
                verify(&sign_json(header, &claims, SECRET), SECRET, NOW),
                Err(TokenError::CriticalHeader),
                "{header}"
            );
        }
    }

    #[test]
    fn the_header_fields_keep_their_types_and_an_unencoded_payload_is_refused() {
        let claims = format!(r#"{{"sub":"u1","exp":{}}}"#, NOW + 60);
        for header in [
            r#"{"alg":"HS256","typ":5}"#,
            r#"{"alg":"HS256","kid":["a"]}"#,
            r#"{"alg":"HS256","b64":false}"#,
            r#"{"alg":"HS256","b64":"yes"}"#,
            r#"{"typ":"JWT"}"#,
            r#"{"alg":"hs256"}"#,
            r#"["HS256"]"#,
            r#""HS256""#,
        ] {
            assert_eq!(
                verify(&sign_json(header, &claims, SECRET), SECRET, NOW),
                Err(TokenError::Malformed),
                "{header}"
            );
        }
        let accepted = sign_json(
            r#"{"alg":"HS256","typ":"JWT","b64":true,"kid":"k1","x":{"y":[1]}}"#,
            &claims,
            SECRET,
        );
        assert_eq!(verify(&accepted, SECRET, NOW).as_deref(), Ok("u1"));
        for claims in ["[1]", r#""u1""#, "null", "{"] {
            assert_eq!(
                verify(
                    &sign_json(r#"{"alg":"HS256"}"#, claims, SECRET),
                    SECRET,
                    NOW
                ),
                Err(TokenError::Malformed),
                "{claims}"
            );
        }
    }
}
