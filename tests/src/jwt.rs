//! JSON Web Tokens for the tests: valid ones minted with `jsonwebtoken` the way the user management service mints
//! them (HMAC-SHA2 over the claims), and the deliberately broken ones of the cases of behaviour F2, derived from a valid token by
//! replacing or re-encoding its segments.
//!
//! The service verifies tokens with its own code, so minting them with a separate implementation here checks that
//! verifier against what a real issuer produces.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

pub use jsonwebtoken::Algorithm;

/// Signs `claims` with `secret` under an HMAC `algorithm` (HS256, HS384 or HS512).
pub fn sign(algorithm: Algorithm, secret: &str, claims: &Value) -> anyhow::Result<String> {
    let key = EncodingKey::from_secret(secret.as_bytes()).context("an empty secret")?;
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key)
        .with_context(|| format!("signing a {algorithm:?} token"))
}

/// Seconds since the Unix epoch.
pub fn now_epoch_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// The claims the original tests mint: `sub`, `iat`, and `exp` one day ahead.
pub fn standard_claims(user_id: &str) -> Value {
    let now = now_epoch_seconds();
    json!({"sub": user_id, "iat": now, "exp": now + 86_400})
}

/// A valid HS256 token for `user_id`, as the original tests mint it.
#[expect(
    clippy::expect_used,
    reason = "HMAC over a JSON object with any secret cannot fail, and tests call this in every other line"
)]
pub fn token_for(secret: &str, user_id: &str) -> String {
    sign(Algorithm::HS256, secret, &standard_claims(user_id)).expect("an HS256 token")
}

/// base64url without padding (RFC 7515 section 2), the encoding of every JWT segment.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The header, claims and signature segments of a compact JWS.
fn segments(token: &str) -> anyhow::Result<[&str; 3]> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(claims), Some(signature), None) => Ok([header, claims, signature]),
        _ => bail!("not a compact JWS (three segments): {token:?}"),
    }
}

/// `token` with its header replaced by `header`; claims and signature are kept, so the header is not what was signed.
pub fn with_header(token: &str, header: &Value) -> anyhow::Result<String> {
    let [_, claims, signature] = segments(token)?;
    Ok(format!(
        "{}.{claims}.{signature}",
        base64url(header.to_string().as_bytes())
    ))
}

/// `token` with its claims replaced by `claims`; header and signature are kept, as if the claims were changed after
/// signing.
pub fn with_claims(token: &str, claims: &Value) -> anyhow::Result<String> {
    let [header, _, signature] = segments(token)?;
    Ok(format!(
        "{header}.{}.{signature}",
        base64url(claims.to_string().as_bytes())
    ))
}

/// The unsigned form of `token` (RFC 7519 section 6): header `{"alg":"none","typ":"JWT"}`, the same claims and an
/// empty signature.
pub fn unsigned(token: &str) -> anyhow::Result<String> {
    let [_, claims, _] = segments(token)?;
    let header = json!({"alg": "none", "typ": "JWT"});
    Ok(format!(
        "{}.{claims}.",
        base64url(header.to_string().as_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoded JSON of one segment (0: header, 1: claims).
    fn decoded_segment(token: &str, index: usize) -> anyhow::Result<Value> {
        let segment = segments(token)?
            .get(index)
            .copied()
            .with_context(|| format!("no segment {index}"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(segment)
            .with_context(|| format!("segment {index} is not base64url: {segment:?}"))?;
        serde_json::from_slice(&bytes).with_context(|| format!("segment {index} is not JSON"))
    }

    fn valid() -> String {
        sign(Algorithm::HS256, "secret", &json!({"sub": "u1", "exp": 2})).unwrap()
    }

    #[test]
    fn a_signed_token_names_its_algorithm_and_carries_the_claims() {
        let claims = json!({"sub": "u1", "user_type": "STANDARD", "exp": 2});
        for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let token = sign(algorithm, "secret", &claims).unwrap();
            assert_eq!(
                decoded_segment(&token, 0).unwrap()["alg"],
                json!(format!("{algorithm:?}"))
            );
            assert_eq!(decoded_segment(&token, 1).unwrap(), claims);
        }
    }

    #[test]
    fn the_signature_depends_on_the_secret() {
        let claims = json!({"sub": "u1"});
        let one = sign(Algorithm::HS256, "one", &claims).unwrap();
        let other = sign(Algorithm::HS256, "other", &claims).unwrap();
        assert_ne!(segments(&one).unwrap()[2], segments(&other).unwrap()[2]);
    }

    #[test]
    fn a_token_for_a_user_expires_a_day_after_it_was_issued() {
        let claims = decoded_segment(&token_for("secret", "u1"), 1).unwrap();
        assert_eq!(claims["sub"], json!("u1"));
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            86_400
        );
    }

    #[test]
    fn replacing_the_claims_keeps_the_header_and_the_signature() {
        let token = valid();
        let tampered = with_claims(&token, &json!({"sub": "u2"})).unwrap();
        let (before, after) = (segments(&token).unwrap(), segments(&tampered).unwrap());
        assert_eq!((after[0], after[2]), (before[0], before[2]));
        assert_eq!(decoded_segment(&tampered, 1).unwrap(), json!({"sub": "u2"}));
    }

    #[test]
    fn replacing_the_header_keeps_the_claims_and_the_signature() {
        let token = valid();
        let header = json!({"alg": "RS256", "typ": "JWT"});
        let switched = with_header(&token, &header).unwrap();
        let (before, after) = (segments(&token).unwrap(), segments(&switched).unwrap());
        assert_eq!((after[1], after[2]), (before[1], before[2]));
        assert_eq!(decoded_segment(&switched, 0).unwrap(), header);
    }

    #[test]
    fn an_unsigned_token_has_alg_none_the_same_claims_and_an_empty_signature() {
        let token = valid();
        let unsigned = unsigned(&token).unwrap();
        assert_eq!(decoded_segment(&unsigned, 0).unwrap()["alg"], json!("none"));
        assert_eq!(
            segments(&unsigned).unwrap()[1],
            segments(&token).unwrap()[1]
        );
        assert!(unsigned.ends_with('.'));
    }

    #[test]
    fn base64url_has_no_padding_and_uses_the_url_alphabet() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn only_three_segments_make_a_token() {
        assert!(with_claims("a.b", &json!({})).is_err());
        assert!(with_claims("a.b.c.d", &json!({})).is_err());
    }
}
