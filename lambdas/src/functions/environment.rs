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

/// A cold-start failure (missing setting, unreadable parameter): logged, reported to the Lambda Runtime API as an
/// init error with its cause (so AWS shows `Runtime.InitError` and the message, not a bare `Runtime.ExitError`), and
/// returned so the process exits naming the cause.
pub fn cold_start(error: impl std::fmt::Display) -> lambda_runtime::Error {
    let message = format!("cold start failed: {error}");
    tracing::error!(%error, "cold start failed");
    if let Some(api) = optional_env(RUNTIME_API) {
        match report_init_error(&api, &message) {
            Ok(()) => tracing::info!("cold-start failure reported to the Runtime API"),
            Err(report) => {
                tracing::error!(error = %report, "cannot report the cold-start failure to the Runtime API");
            }
        }
    }
    lambda_runtime::Error::from(message)
}

/// Where the Runtime API listens (`host:port`), set by Lambda in every sandbox.
const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// The error type of a failed cold start, as the Runtime API expects it.
const INIT_ERROR_TYPE: &str = "Runtime.InitError";

/// `POST /2018-06-01/runtime/init/error` with the cause. One blocking HTTP/1.1 request, only on the failure path,
/// before the runtime's own client exists; the Runtime API answers `202 Accepted`.
fn report_init_error(api: &str, message: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;

    let timeout = std::time::Duration::from_secs(2);
    let address = api.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{RUNTIME_API}={api} names no address"),
        )
    })?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_read_timeout(Some(timeout))?;
    let body = serde_json::json!({
        "errorMessage": message,
        "errorType": INIT_ERROR_TYPE,
        "stackTrace": [],
    })
    .to_string();
    write!(
        stream,
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Function-Error-Type: {INIT_ERROR_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut status = [0_u8; 12];
    stream.read_exact(&mut status)?;
    if status.starts_with(b"HTTP/1.1 2") || status.starts_with(b"HTTP/1.0 2") {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "the Runtime API answered {}",
            String::from_utf8_lossy(&status).trim()
        )))
    }
}
