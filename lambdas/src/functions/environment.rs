//! Environment variables of the functions (behaviour keep-config) and their logging.

use crate::aws::AwsError;
use loyalty_service::telemetry::{self, LogStyle, Telemetry};

/// The value of `name`; missing or empty is a configuration error naming it.
pub fn required_env(name: &str) -> Result<String, AwsError> {
    optional_env(name).ok_or_else(|| AwsError::MissingEnv(name.to_owned()))
}

/// The value of `name`, `None` when unset or empty.
pub fn optional_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Logs to stderr (CloudWatch) without colours, filtered by `RUST_LOG` (default `info`); spans exported over OTLP
/// when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Keep the guard for the whole `main`.
pub fn init_tracing() -> Telemetry {
    telemetry::install(LogStyle {
        ansi: false,
        target: false,
    })
}

/// A cold-start failure (missing setting, unreadable parameter): logged, and returned to the runtime with its
/// message so the process exits naming the cause.
pub fn cold_start(error: impl std::fmt::Display) -> lambda_runtime::Error {
    tracing::error!(%error, "cold start failed");
    lambda_runtime::Error::from(format!("cold start failed: {error}"))
}
