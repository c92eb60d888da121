//! Mints JSON Web Tokens the way the user management service and the original tests do (HMAC-SHA2 over
//! `base64url(header).base64url(claims)`), plus deliberately broken ones for the cases of behaviour F2.
//!
//! HMAC (RFC 2104) is a few lines over `sha2`, so the tests need no JWT crate of their own: an independent
//! implementation on this side checks the service's verifier for real.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha2::digest::Digest;
use sha2::{Sha256, Sha384, Sha512};

/// The HMAC algorithms of JWS (`alg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacAlgorithm {
    /// HMAC-SHA256.
    Hs256,
    /// HMAC-SHA384.
    Hs384,
    /// HMAC-SHA512.
    Hs512,
}

impl HmacAlgorithm {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }

    fn mac(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        match self {
            Self::Hs256 => hmac::<Sha256>(key, message, 64),
            Self::Hs384 => hmac::<Sha384>(key, message, 128),
            Self::Hs512 => hmac::<Sha512>(key, message, 128),
        }
    }
}

/// RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), the key hashed first when longer than a block.
fn hmac<D: Digest>(key: &[u8], message: &[u8], block_size: usize) -> Vec<u8> {
    let mut block = if key.len() > block_size {
        D::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    block.resize(block_size, 0);
    let inner_key: Vec<u8> = block.iter().map(|byte| byte ^ 0x36).collect();
    let outer_key: Vec<u8> = block.iter().map(|byte| byte ^ 0x5c).collect();
    let mut inner = D::new();
    inner.update(&inner_key);
    inner.update(message);
    let inner_hash = inner.finalize();
    let mut outer = D::new();
    outer.update(&outer_key);
    outer.update(inner_hash);
    outer.finalize().to_vec()
}

/// base64url without padding (RFC 7515 section 2).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let triple = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for index in 0..=chunk.len() {
            out.push(char::from(
                ALPHABET[((triple >> (18 - 6 * index)) & 0x3f) as usize],
            ));
        }
    }
    out
}

/// Signs `claims` with `secret` under `algorithm`.
pub fn sign(algorithm: HmacAlgorithm, secret: &str, claims: &Value) -> String {
    let header = json!({"alg": algorithm.name(), "typ": "JWT"});
    let signing_input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let signature = algorithm.mac(secret.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", base64url(&signature))
}

/// An unsigned token (`alg: none`), which must be rejected.
pub fn unsigned(claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT"});
    format!(
        "{}.{}.",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
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
pub fn token_for(secret: &str, user_id: &str) -> String {
    sign(HmacAlgorithm::Hs256, secret, &standard_claims(user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_test_case_2() {
        let mac = HmacAlgorithm::Hs256.mac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_sha512_matches_rfc_4231_test_case_2() {
        let mac = HmacAlgorithm::Hs512.mac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn hmac_with_a_key_longer_than_a_block_matches_rfc_4231_test_case_6() {
        let key = [0xaa_u8; 131];
        let mac = HmacAlgorithm::Hs256.mac(
            &key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn base64url_has_no_padding_and_uses_the_url_alphabet() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn a_token_has_three_parts_with_the_claims_in_the_middle() {
        let token = sign(HmacAlgorithm::Hs256, "secret", &json!({"sub": "u1"}));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1], "eyJzdWIiOiJ1MSJ9");
    }
}
