//! Errors of the AWS adapters that no port names (configuration, parameters, payload conversion), and the
//! classification of SDK failures into "retry later" and "broken".

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Failures of the AWS adapters outside the ports' own error types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    /// A required environment variable is missing or empty.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// An environment variable is set to a value that cannot be used.
    #[error("environment variable {name} is invalid: {reason}")]
    InvalidEnv {
        /// The variable.
        name: String,
        /// Why its value cannot be used.
        reason: String,
    },
    /// An SSM parameter could not be read or is empty.
    #[error("SSM parameter {name}: {reason}")]
    Parameter {
        /// The parameter name.
        name: String,
        /// Why it could not be used.
        reason: String,
    },
    /// A Lambda event payload that does not have the expected shape.
    #[error("invalid event payload: {0}")]
    InvalidPayload(String),
}

/// How an SDK call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Throttled, timed out or unreachable: retrying later can succeed.
    Transient(String),
    /// The service refused the request with this error code.
    Service { code: String, message: String },
}

const THROTTLING_CODES: [&str; 5] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
];

/// Classifies an SDK failure.
pub(crate) fn classify<E, R>(error: &SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown").to_owned();
            let message = inner.message().unwrap_or_default().to_owned();
            if THROTTLING_CODES.contains(&code.as_str()) {
                Failure::Transient(format!("{code}: {message}"))
            } else {
                Failure::Service { code, message }
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Failure::Transient(format!(
                "{}",
                aws_sdk_dynamodb::error::DisplayErrorContext(error)
            ))
        }
        other => Failure::Service {
            code: "Client".into(),
            message: format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(other)),
        },
    }
}
