//! The spans as an OTLP collector would receive them, through the OpenTelemetry SDK's in-memory exporter.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::SubscriberExt;

use crate::embedded::account_store::SqliteAccountStore;
use crate::embedded::database::Database;
use loyalty_service::core::account::BalanceChange;
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::handlers::batch::{BatchOutcome, SqsBatchHandler, SqsMessage};
use loyalty_service::handlers::change_stream::{StreamRecord, handle_stream_batch};
use loyalty_service::handlers::credit_events::{CreditEventHandler, CreditEventKind};
use loyalty_service::ports::{AccountStore, EventPublisher, PublishError, SystemClock};
use loyalty_service::telemetry::{TRACER_NAME, span_layer};
use loyalty_service::tier_workflow::ports::{StartOutcome, WorkflowError, WorkflowStarter};
use loyalty_service::tier_workflow::queue_handlers::TierTrigger;
use loyalty_service::use_cases::publish_change::publish_balance_change;

const PRODUCER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const PRODUCER_SPAN: &str = "b7ad6b7169203331";
const USER: &str = "11583474239476139124";

/// Spans of this thread go to `exporter`, through the same layer (and level filter) the binaries install.
fn export_spans_to(exporter: &InMemorySpanExporter) -> (SdkTracerProvider, DefaultGuard) {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(span_layer(provider.tracer(TRACER_NAME)));
    (provider, tracing::subscriber::set_default(subscriber))
}

fn attributes(span: &SpanData) -> BTreeMap<String, String> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.as_str().into_owned()))
        .collect()
}

fn spans_named(exporter: &InMemorySpanExporter, name: &str) -> Vec<SpanData> {
    let spans = exporter.get_finished_spans().unwrap();
    spans.into_iter().filter(|s| s.name == name).collect()
}

/// A `users.userCreated.v1` as the User Management service sends it, in its EventBridge envelope through SQS.
fn user_created(traceparent: Value) -> SqsMessage {
    let detail = json!({
        "specversion": "1.0",
        "id": "5f7e6a0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f",
        "source": "dev.users",
        "type": "users.userCreated.v1",
        "time": "1718000000000",
        "datacontenttype": "application/json",
        "traceparent": traceparent,
        "data": {"userId": USER},
    });
    let envelope = json!({
        "version": "0",
        "id": "eb-1",
        "detail-type": "users.userCreated.v1",
        "source": "dev.users",
        "detail": detail,
    });
    SqsMessage {
        message_id: "sqs-1".into(),
        body: envelope.to_string(),
        receive_count: 1,
    }
}

fn store(dir: &tempfile::TempDir) -> SqliteAccountStore {
    let db = Database::open(&dir.path().join("loyalty.db")).unwrap();
    SqliteAccountStore::new(Arc::new(db), Arc::new(Notify::new()))
}

async fn consume(message: SqsMessage, exporter: &InMemorySpanExporter) -> (i64, Vec<SpanData>) {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let (_provider, _guard) = export_spans_to(exporter);
    let handler = CreditEventHandler::new(store.clone(), SystemClock, CreditEventKind::UserCreated);
    let outcome = handler.handle_batch(&[message]).await;
    assert_eq!(outcome.failures, vec![]);
    let account = store.load_account(USER).await.unwrap().unwrap();
    (
        account.points,
        spans_named(exporter, "process users.userCreated.v1"),
    )
}

#[tokio::test]
async fn a_consumed_event_is_processed_in_a_span_linked_to_its_producer() {
    let exporter = InMemorySpanExporter::default();
    let traceparent = format!("00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01");
    let (points, spans) = consume(user_created(json!(traceparent)), &exporter).await;

    assert_eq!(points, 100);
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.span_kind, SpanKind::Consumer);
    assert_eq!(span.links.links.len(), 1);
    let producer = &span.links.links[0].span_context;
    assert_eq!(format!("{:032x}", producer.trace_id()), PRODUCER_TRACE);
    assert_eq!(format!("{:016x}", producer.span_id()), PRODUCER_SPAN);
    // A link, not a parent: the consumer's trace is its own.
    assert_ne!(
        format!("{:032x}", span.span_context.trace_id()),
        PRODUCER_TRACE
    );
    assert!(!span.parent_span_is_remote);
    let attributes = attributes(span);
    for (key, value) in [
        ("messaging.system", "eventbridge"),
        ("messaging.operation.type", "process"),
        ("messaging.destination.name", "UserCreated"),
        (
            "messaging.message.id",
            "5f7e6a0c-1d2b-4c3d-9e8f-0a1b2c3d4e5f",
        ),
        ("cloudevents.event_type", "users.userCreated.v1"),
        ("messaging.message.domain", "dev.users"),
    ] {
        assert_eq!(
            attributes.get(key).map(String::as_str),
            Some(value),
            "{key}"
        );
    }
}

#[tokio::test]
async fn a_malformed_or_missing_traceparent_gives_no_link_and_the_event_is_still_credited() {
    for traceparent in [
        json!("00-not-a-trace-01"),
        json!(null),
        json!(42),
        json!(format!("00-{PRODUCER_TRACE}")),
    ] {
        let exporter = InMemorySpanExporter::default();
        let (points, spans) = consume(user_created(traceparent.clone()), &exporter).await;
        assert_eq!(points, 100, "{traceparent}");
        assert_eq!(spans.len(), 1, "{traceparent}");
        assert_eq!(spans[0].links.links.len(), 0, "{traceparent}");
    }
}

/// Keeps what is published (the EventBridge port), as the bus would receive it.
#[derive(Debug, Default)]
struct Published(Mutex<Vec<OutgoingEvent>>);

impl EventPublisher for Published {
    async fn publish(&self, events: &[OutgoingEvent]) -> Result<(), PublishError> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

#[tokio::test]
async fn a_published_event_carries_the_traceparent_of_the_span_that_published_it() {
    let exporter = InMemorySpanExporter::default();
    let (_provider, _guard) = export_spans_to(&exporter);
    let published = Published::default();
    let change = BalanceChange {
        user_id: USER.into(),
        old_points: Some(100),
        new_points: 150,
        expected_version: 1,
        new_version: 2,
    };

    let count = publish_balance_change(&published, &SystemClock, "dev", &change)
        .await
        .unwrap();

    assert_eq!(count, 2);
    let spans = spans_named(&exporter, "publish loyalty.pointsAdded.v2");
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.span_kind, SpanKind::Producer);
    let expected = format!(
        "00-{:032x}-{:016x}-01",
        span.span_context.trace_id(),
        span.span_context.span_id()
    );
    let events = published.0.lock().unwrap().clone();
    let types: Vec<&str> = events.iter().map(|e| e.detail_type.as_str()).collect();
    assert_eq!(types, ["loyalty.pointsAdded.v1", "loyalty.pointsAdded.v2"]);
    for event in &events {
        let detail: Value = serde_json::from_str(&event.detail).unwrap();
        assert_eq!(
            detail["traceparent"],
            json!(expected),
            "{}",
            event.detail_type
        );
        assert_eq!(detail["_datadog"]["traceparent"], json!(expected));
    }
    let attributes = attributes(span);
    assert_eq!(attributes["messaging.operation.type"], "send");
    assert_eq!(attributes["messaging.batch.message_count"], "2");
    assert_eq!(
        attributes["cloudevents.event_type"],
        "loyalty.pointsAdded.v2"
    );
}

/// Keeps the executions asked for (the durable-execution port).
#[derive(Debug, Default)]
struct Started(Mutex<Vec<(String, Value)>>);

impl WorkflowStarter for Started {
    async fn start(
        &self,
        _function: &str,
        execution_name: &str,
        input: &Value,
    ) -> Result<StartOutcome, WorkflowError> {
        self.0
            .lock()
            .unwrap()
            .push((execution_name.to_owned(), input.clone()));
        Ok(StartOutcome::Started {
            arn: format!("arn:{execution_name}"),
        })
    }
}

#[tokio::test]
async fn the_tier_trigger_processes_points_added_in_a_span_linked_to_the_publisher() {
    let exporter = InMemorySpanExporter::default();
    let (_provider, _guard) = export_spans_to(&exporter);
    let traceparent = format!("00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01");
    let detail = json!({
        "id": "e-7", "time": "2026-03-09T08:35:45.123Z", "type": "loyalty.pointsAdded.v2",
        "source": "loyalty", "specversion": "1.0", "datacontenttype": "application/json",
        "data": {"userId": USER, "pointsAdded": 450, "totalPoints": 550},
        "traceparent": traceparent,
    });
    let envelope =
        json!({"detail-type": "loyalty.pointsAdded.v2", "source": "dev.loyalty", "detail": detail});
    let message = SqsMessage {
        message_id: "sqs-7".into(),
        body: envelope.to_string(),
        receive_count: 1,
    };
    let trigger = TierTrigger::new(Started::default(), "tier-upgrade-orchestrator");

    let outcome = trigger.handle_batch(&[message]).await;

    assert_eq!(outcome.failures, vec![]);
    let spans = spans_named(&exporter, "process loyalty.pointsAdded.v2");
    assert_eq!(spans.len(), 1);
    let links = &spans[0].links.links;
    assert_eq!(links.len(), 1);
    assert_eq!(
        format!("{:032x}", links[0].span_context.trace_id()),
        PRODUCER_TRACE
    );
    assert_eq!(
        format!("{:016x}", links[0].span_context.span_id()),
        PRODUCER_SPAN
    );
    let attributes = attributes(&spans[0]);
    assert_eq!(
        attributes["messaging.destination.name"],
        "TierUpgradeTrigger"
    );
    assert_eq!(attributes["messaging.message.id"], "e-7");
}

fn traceparent_of(span: &SpanData) -> String {
    format!(
        "00-{:032x}-{:016x}-01",
        span.span_context.trace_id(),
        span.span_context.span_id()
    )
}

#[tokio::test]
async fn each_change_of_the_stream_is_published_with_the_traceparent_of_its_own_span() {
    let exporter = InMemorySpanExporter::default();
    let (_provider, _guard) = export_spans_to(&exporter);
    let published = Published::default();
    let change = |sequence: &str, old: i64, new: i64, version: i64| StreamRecord {
        sequence_number: sequence.into(),
        change: BalanceChange {
            user_id: USER.into(),
            old_points: Some(old),
            new_points: new,
            expected_version: version,
            new_version: version + 1,
        },
    };
    let records = [change("1", 100, 150, 1), change("2", 150, 120, 2)];

    let outcome = handle_stream_batch(&published, &SystemClock, "dev", &records).await;

    assert_eq!(outcome, BatchOutcome::default());
    let added = spans_named(&exporter, "publish loyalty.pointsAdded.v2");
    let spent = spans_named(&exporter, "publish loyalty.pointsSpent.v1");
    assert_eq!((added.len(), spent.len()), (1, 1));
    let events = published.0.lock().unwrap().clone();
    let traceparents: Vec<(String, Value)> = events
        .iter()
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).unwrap();
            (e.detail_type.clone(), detail["traceparent"].clone())
        })
        .collect();
    assert_eq!(
        traceparents,
        [
            (
                "loyalty.pointsAdded.v1".to_owned(),
                json!(traceparent_of(&added[0]))
            ),
            (
                "loyalty.pointsAdded.v2".to_owned(),
                json!(traceparent_of(&added[0]))
            ),
            (
                "loyalty.pointsSpent.v1".to_owned(),
                json!(traceparent_of(&spent[0]))
            ),
        ]
    );
}
