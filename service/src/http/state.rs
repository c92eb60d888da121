//! What the API's handlers and extractors share: the store, the clock and the token settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::core::jwt::DEFAULT_MAX_TOKEN_LIFETIME;

/// How tokens are verified: the HMAC secret (its bytes are the UTF-8 of the configured string) and the longest
/// lifetime a token may have left, `exp` minus now (behaviour F2; 30 days unless set).
#[derive(Clone)]
pub struct JwtSecret {
    secret: Arc<[u8]>,
    max_lifetime: Duration,
}

impl JwtSecret {
    /// Wraps a secret string, with the default maximum lifetime.
    pub fn new(secret: &str) -> Self {
        Self {
            secret: Arc::from(secret.as_bytes()),
            max_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
        }
    }

    /// The same secret, refusing tokens whose `exp` lies more than `max_lifetime` ahead.
    pub fn with_max_lifetime(self, max_lifetime: Duration) -> Self {
        Self {
            max_lifetime,
            ..self
        }
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.secret
    }

    /// The longest lifetime a token may have left.
    pub fn max_lifetime(&self) -> Duration {
        self.max_lifetime
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSecret")
            .field("secret", &format_args!("<redacted>"))
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

/// What the API handlers share.
#[derive(Debug, Clone)]
pub struct ApiState<S, C> {
    /// The account store.
    pub store: S,
    /// The clock (token expiry, receipt TTLs).
    pub clock: C,
    /// The token secret and maximum lifetime.
    pub jwt_secret: JwtSecret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maximum_lifetime_is_thirty_days_unless_set_and_the_secret_is_never_printed() {
        let secret = JwtSecret::new("s3cr3t");
        assert_eq!(secret.max_lifetime(), Duration::from_secs(2_592_000));
        let shorter = secret.with_max_lifetime(Duration::from_secs(3600));
        assert_eq!(shorter.max_lifetime(), Duration::from_secs(3600));
        assert_eq!(shorter.as_bytes(), b"s3cr3t");
        let printed = format!("{shorter:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(
            printed.contains("<redacted>") && printed.contains("3600s"),
            "{printed}"
        );
    }
}
