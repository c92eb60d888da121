//! The error type activities return: one of the spec's declared error kinds plus a message.

use std::fmt;

/// A set of error kinds declared once at the top of a workflow spec (`errors:`).
///
/// The generated `ErrorKind` enum implements it; the name is what retry and catch clauses
/// match and what the execution history records as the wire `ErrorType`.
pub trait DeclaredErrorKind: fmt::Debug + Copy + Send + Sync + 'static {
    /// The kind's name exactly as declared in the spec, e.g. `"VersionConflict"`.
    fn name(self) -> &'static str;
}

/// An activity failure of a declared kind.
///
/// Generated code aliases it as `Error = ActivityError<ErrorKind>`, so an activity writes
/// `Err(Error::new(ErrorKind::Transient, "connection reset"))`.
#[derive(Debug)]
pub struct ActivityError<K: DeclaredErrorKind> {
    kind: K,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl<K: DeclaredErrorKind> ActivityError<K> {
    /// An error of `kind` described by `message`.
    pub fn new(kind: K, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// An error of `kind` caused by `source` (its text becomes the message).
    pub fn caused_by(kind: K, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            kind,
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// The declared kind.
    pub fn kind(&self) -> K {
        self.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl<K: DeclaredErrorKind> fmt::Display for ActivityError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl<K: DeclaredErrorKind> std::error::Error for ActivityError<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
