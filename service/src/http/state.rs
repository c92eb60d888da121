//! What the API's handlers and extractors share: the store, the clock and the token secret.

use std::fmt;
use std::sync::Arc;

/// The HMAC secret tokens are verified with (its bytes are the UTF-8 of the configured string).
#[derive(Clone)]
pub struct JwtSecret(Arc<[u8]>);

impl JwtSecret {
    /// Wraps a secret string.
    pub fn new(secret: &str) -> Self {
        Self(Arc::from(secret.as_bytes()))
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(<redacted>)")
    }
}

/// What the API handlers share.
#[derive(Debug, Clone)]
pub struct ApiState<S, C> {
    /// The account store.
    pub store: S,
    /// The clock (token expiry, receipt TTLs).
    pub clock: C,
    /// The token secret.
    pub jwt_secret: JwtSecret,
}
