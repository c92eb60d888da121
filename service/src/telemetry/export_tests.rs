//! Span export over OTLP/HTTP to a real HTTP collector on 127.0.0.1, and what a failing collector does (behaviour F16).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;

use super::{Flusher, SERVICE_NAME, TRACER_NAME, build_provider};

/// What the collector received: content type and body of each request.
#[derive(Debug, Clone, Default)]
struct Collector {
    requests: Arc<Mutex<Vec<(String, Bytes)>>>,
    /// Status of the first answer (later ones are 200).
    first_status: StatusCode,
}

async fn receive(
    State(collector): State<Collector>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut requests = collector.requests.lock().unwrap();
    requests.push((content_type, body));
    if requests.len() == 1 {
        collector.first_status
    } else {
        StatusCode::OK
    }
}

/// A collector on 127.0.0.1 answering `first_status` to the first export; its traces endpoint.
async fn start_collector(
    first_status: StatusCode,
) -> (String, Collector, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let collector = Collector {
        requests: Arc::default(),
        first_status,
    };
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(collector.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{address}/v1/traces"), collector, server)
}

/// Ends one span named `name` and flushes, from a thread outside the runtime (as the batch processor runs).
async fn export_one_span(provider: &SdkTracerProvider, name: &'static str) -> Result<(), String> {
    let provider = provider.clone();
    tokio::task::spawn_blocking(move || {
        provider.tracer(TRACER_NAME).in_span(name, |_| {});
        provider.force_flush().map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

fn span_names(body: &Bytes) -> Vec<String> {
    let request = ExportTraceServiceRequest::decode(body.clone()).unwrap();
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.name.clone())
        .collect()
}

fn service_name(body: &Bytes) -> Option<String> {
    let request = ExportTraceServiceRequest::decode(body.clone()).unwrap();
    let resource = request.resource_spans.first()?.resource.as_ref()?;
    let attribute = resource
        .attributes
        .iter()
        .find(|a| a.key == "service.name")?;
    match attribute.value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(name) => Some(name.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_an_otlp_collector_as_http_protobuf_with_the_service_name() {
    let (endpoint, collector, server) = start_collector(StatusCode::OK).await;
    let provider = build_provider(Some(&endpoint)).unwrap();

    export_one_span(&provider, "credit").await.unwrap();

    let requests = collector.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, "application/x-protobuf");
    assert_eq!(span_names(&requests[0].1), ["credit"]);
    assert_eq!(service_name(&requests[0].1).as_deref(), Some(SERVICE_NAME));
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_error_drops_that_batch_only_and_export_goes_on() {
    let (endpoint, collector, server) = start_collector(StatusCode::SERVICE_UNAVAILABLE).await;
    let provider = build_provider(Some(&endpoint)).unwrap();

    let first = export_one_span(&provider, "first").await;
    let second = export_one_span(&provider, "second").await;

    assert!(first.unwrap_err().contains("503"));
    assert_eq!(second, Ok(()));
    let requests = collector.requests.lock().unwrap().clone();
    let names: Vec<Vec<String>> = requests.iter().map(|(_, body)| span_names(body)).collect();
    assert_eq!(names, [vec!["first".to_owned()], vec!["second".to_owned()]]);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_collector_is_an_error_value_never_a_panic() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let provider = build_provider(Some(&format!("http://{address}/v1/traces"))).unwrap();

    let result = export_one_span(&provider, "lost").await;

    assert!(result.is_err(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flusher_exports_an_invocations_spans_before_it_returns() {
    let (endpoint, collector, server) = start_collector(StatusCode::OK).await;
    let provider = build_provider(Some(&endpoint)).unwrap();
    let flusher = Flusher {
        provider: Some(provider.clone()),
    };
    provider.tracer(TRACER_NAME).in_span("invocation", |_| {});
    assert_eq!(collector.requests.lock().unwrap().len(), 0);

    flusher.flush().await;

    let requests = collector.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(span_names(&requests[0].1), ["invocation"]);
    // Without an exporter there is nothing to flush and nothing fails.
    Flusher::default().flush().await;
    server.abort();
}
