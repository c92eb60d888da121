//! Tracing for every binary (behaviour F16: observability never breaks business logic). Logs always go to stderr
//! through `fmt`; when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, spans are also
//! exported over OTLP/HTTP (protobuf). An exporter that cannot be built, or an export that fails, is logged and never
//! fatal.

mod otlp_client;
mod trace_context;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

pub use trace_context::{current_traceparent, remote_span_context};

/// The `service.name` resource attribute of every span.
pub const SERVICE_NAME: &str = "LoyaltyService";

/// The instrumentation scope of our spans, and the crate (tracing target) whose debug-level `process` and `publish`
/// spans are exported.
pub const TRACER_NAME: &str = "loyalty_service";

/// The general and the traces-only endpoint variables; either one switches exporting on.
const ENDPOINT_VARIABLES: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

/// How log lines look on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStyle {
    /// Colours (a terminal, not CloudWatch).
    pub ansi: bool,
    /// The module path of each line.
    pub target: bool,
}

/// The installed telemetry; dropping it exports the spans still buffered (keep it alive for the whole `main`).
#[derive(Debug)]
#[must_use = "dropping the guard shuts span export down"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported (an endpoint is set and the exporter was built).
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }

    /// A handle that exports the buffered spans on demand (cheap to clone into a handler).
    pub fn flusher(&self) -> Flusher {
        Flusher {
            provider: self.provider.clone(),
        }
    }
}

/// Exports the spans buffered so far: a Lambda function calls it at the end of each invocation, before its
/// sandbox may be frozen. Does nothing when spans are not exported; a failure is logged, never returned
/// (behaviour F16).
#[derive(Debug, Clone, Default)]
pub struct Flusher {
    provider: Option<SdkTracerProvider>,
}

impl Flusher {
    /// Waits (off the async threads) until the batch processor has exported what it holds.
    pub async fn flush(&self) {
        let Some(provider) = self.provider.clone() else {
            return;
        };
        let error = match tokio::task::spawn_blocking(move || provider.force_flush()).await {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        tracing::warn!(%error, "flushing spans failed (they are dropped)");
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "flushing the last spans failed (they are dropped)");
        }
    }
}

/// Installs the global subscriber: `fmt` filtered by `RUST_LOG` (default `info`), plus OpenTelemetry export when
/// an OTLP endpoint is configured. `ENV` becomes the `deployment.environment.name` resource attribute.
pub fn install(style: LogStyle) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = fmt::layer()
        .with_ansi(style.ansi)
        .with_target(style.target)
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let built = configured_endpoint()
        .is_some()
        .then(|| build_provider(None));
    let provider = built.as_ref().and_then(|b| b.as_ref().ok()).cloned();
    let spans = provider.as_ref().map(|p| span_layer(p.tracer(TRACER_NAME)));
    if tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init()
        .is_err()
    {
        tracing::debug!("a global subscriber was already installed; keeping it");
    }
    match built {
        Some(Ok(_)) => tracing::info!(service = SERVICE_NAME, "exporting spans over OTLP/HTTP"),
        Some(Err(error)) => {
            tracing::warn!(%error, "span export disabled: the OTLP exporter could not be built")
        }
        None => {}
    }
    Telemetry { provider }
}

/// The OpenTelemetry layer: our own spans from debug level (the per-event `process` spans), everyone else's from
/// info, so the HTTP and AWS clients' internals stay out of the traces.
pub fn span_layer<S>(tracer: SdkTracer) -> impl Layer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let levels = Targets::new()
        .with_target(TRACER_NAME, tracing::Level::DEBUG)
        .with_default(tracing::Level::INFO);
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(levels)
}

/// The `service.name` and `deployment.environment.name` of every span.
pub fn resource() -> Resource {
    let mut builder = Resource::builder().with_service_name(SERVICE_NAME);
    if let Some(env) = std::env::var("ENV").ok().filter(|v| !v.is_empty()) {
        builder = builder.with_attribute(KeyValue::new("deployment.environment.name", env));
    }
    builder.build()
}

/// The collector the `OTEL_EXPORTER_OTLP_*` variables name, if any: the traces-only variable wins over the general
/// one, as the exporter reads them.
fn configured_endpoint() -> Option<String> {
    ENDPOINT_VARIABLES
        .iter()
        .rev()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// A batching provider exporting to `endpoint` (the full traces URL), or to the `OTEL_EXPORTER_OTLP_*` variables'
/// endpoint when `None`.
fn build_provider(endpoint: Option<&str>) -> Result<SdkTracerProvider, TelemetryError> {
    let collector = endpoint.map(str::to_owned).or_else(configured_endpoint);
    let client = otlp_client::ReqwestOtlpClient::new(collector.as_deref())?;
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_http_client(client);
    if let Some(endpoint) = endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let exporter = builder
        .build()
        .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_resource(resource())
        .with_batch_exporter(exporter)
        .build())
}

/// Why span export could not be set up (logged by [`install`], never returned to the business logic).
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The exporter's own runtime or HTTP client could not start.
    #[error("the span exporter's runtime or HTTP client could not start: {0}")]
    Runtime(#[from] std::io::Error),
    /// The OTLP exporter rejected its configuration (e.g. a malformed endpoint).
    #[error("the OTLP exporter could not be built: {0}")]
    Exporter(String),
}

#[cfg(test)]
mod export_tests;
