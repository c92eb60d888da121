//! The domain layer's error type.

/// Errors raised by the pure domain (parsing events and commands).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An event or message that is not valid JSON.
    #[error("message is not valid JSON: {0}")]
    MalformedJson(String),
    /// A JSON document without a required field, or with a field of the wrong type.
    #[error("{0}")]
    InvalidEvent(String),
    /// An event type this handler does not accept (exact matching, behaviour F5).
    #[error("unsupported event type `{0}`")]
    UnsupportedEventType(String),
    /// An order event without an order id (the original's message, kept).
    #[error("Either orderId or orderNumber must be provided")]
    MissingOrderId,
}
