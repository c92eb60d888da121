//! The errors: the service's, mapped onto the Lambda API's modeled errors so that the SDK and
//! every AWS client classify them exactly as they would the real service's, and the public
//! API's, which wraps them.

/// An error of the durable-execution service, carrying its AWS error shape.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// `InvalidParameterValueException` (400): bad input, stale checkpoint token, wrong state.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `ResourceNotFoundException` (404): unknown execution, callback or function.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `DurableExecutionAlreadyStartedException` (409): the name is taken by another input.
    #[error("{0}")]
    AlreadyStarted(String),
    /// `CallbackTimeoutException` (400): the callback already timed out.
    #[error("{0}")]
    CallbackTimeout(String),
    /// `RequestTooLargeException` (413): a payload over the API's limit.
    #[error("{0}")]
    RequestTooLarge(String),
    /// `ServiceException` (500): the store failed.
    #[error("storage failure: {0}")]
    Storage(#[from] rusqlite::Error),
    /// `ServiceException` (500): the database file is damaged, or could not be checked, created or moved aside.
    #[error(transparent)]
    Database(#[from] local_guard::sqlite::Error),
    /// `ServiceException` (500): anything else that is our fault.
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    /// The modeled error type name (`x-amzn-ErrorType`).
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::InvalidParameterValue(_) => "InvalidParameterValueException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::AlreadyStarted(_) => "DurableExecutionAlreadyStartedException",
            Self::CallbackTimeout(_) => "CallbackTimeoutException",
            Self::RequestTooLarge(_) => "RequestTooLargeException",
            Self::Storage(_) | Self::Database(_) | Self::Internal(_) => "ServiceException",
        }
    }

    /// The HTTP status the real API answers with.
    pub(crate) fn http_status(&self) -> u16 {
        match self {
            Self::InvalidParameterValue(_) | Self::CallbackTimeout(_) => 400,
            Self::ResourceNotFound(_) => 404,
            Self::AlreadyStarted(_) => 409,
            Self::RequestTooLarge(_) => 413,
            Self::Storage(_) | Self::Database(_) | Self::Internal(_) => 500,
        }
    }
}

/// Errors of the public API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service refused or failed (carries the AWS error shape).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A value could not be (de)serialized.
    #[error("serialization: {0}")]
    Serialization(#[from] serde_json::Error),
    /// The SDK rejected the handler options.
    #[error("invalid SDK options: {0}")]
    Options(String),
    /// Waiting took longer than allowed.
    #[error("timed out after {0:?} waiting for {1}")]
    WaitTimeout(std::time::Duration, String),
}

/// Shorthand for results of the service layer.
pub(crate) type ServiceResult<T> = Result<T, ServiceError>;
