//! The embedded service on a real 127.0.0.1 listener: PutEvents like EventBridge, and the change stream publishing
//! over HTTP with `FailedEntryCount` checked and failures retried, then dead-lettered (behaviour F9).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::bus::sigv4::{Credentials, require_signatures};
use crate::bus::{EntryResult, EventBridgeClient};
use crate::embedded::archive::list_archive;
use crate::embedded::outbox::Outbox;
use crate::embedded::stream_processor::{PassReport, StreamProcessor};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::http::JwtSecret;
use loyalty_service::ports::{PublishError, SystemClock};
use loyalty_service::use_cases::credit_points;

struct Server {
    _dir: tempfile::TempDir,
    service: EmbeddedService,
    endpoint: String,
    stop: CancellationToken,
}

async fn serve() -> Server {
    serve_locked(None).await
}

/// The service, its PutEvents requiring signatures with `key` when one is given.
async fn serve_locked(key: Option<Credentials>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let service =
        EmbeddedService::open(ServiceConfig::new(dir.path(), "dev", JwtSecret::new("s"))).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let router = match key {
        Some(key) => require_signatures(service.router(), key),
        None => service.router(),
    };
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                stopped.cancelled().await;
            })
            .await
            .unwrap();
    });
    Server {
        _dir: dir,
        service,
        endpoint,
        stop,
    }
}

async fn put_events_raw(endpoint: &str, target: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=abc")
        .header("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
    if let Some(target) = target {
        request = request.header("X-Amz-Target", target);
    }
    let response = request.body(body.to_owned()).send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn put_events_answers_like_eventbridge_with_ids_and_per_entry_errors() {
    let server = serve().await;
    let detail = json!({"type":"users.userCreated.v1","data":{"userId":"u1"}}).to_string();
    let body = json!({"Entries": [
        {"Source":"dev.users","DetailType":"users.userCreated.v1","Detail":detail,"EventBusName":"LoyaltyService-bus-dev"},
        {"Source":"dev.users","DetailType":"users.userCreated.v1","Detail":detail,"EventBusName":"other-bus"},
        {"Source":"dev.users","DetailType":"users.userCreated.v1","Detail":"{oops"}
    ]});
    let (status, answer) = put_events_raw(
        &server.endpoint,
        Some("AWSEvents.PutEvents"),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["FailedEntryCount"], 2);
    let event_id = answer["Entries"][0]["EventId"].as_str().unwrap();
    assert_eq!(
        answer["Entries"][1],
        json!({"ErrorCode":"ResourceNotFoundException","ErrorMessage":"Event bus other-bus does not exist."})
    );
    assert_eq!(
        answer["Entries"][2],
        json!({"ErrorCode":"MalformedDetail","ErrorMessage":"Detail is malformed."})
    );
    let archive = list_archive(&server.service.db).unwrap();
    assert_eq!(
        archive
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        [event_id]
    );
    server.stop.cancel();
}

#[tokio::test]
async fn put_events_rejects_malformed_requests_as_a_whole() {
    let server = serve().await;
    let (status, answer) = put_events_raw(&server.endpoint, None, "{}").await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let (status, answer) = put_events_raw(&server.endpoint, Some("AWSEvents.PutRule"), "{}").await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let (status, answer) =
        put_events_raw(&server.endpoint, Some("AWSEvents.PutEvents"), "not json").await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let (status, answer) =
        put_events_raw(&server.endpoint, Some("AWSEvents.PutEvents"), "{}").await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("ValidationException"))
    );
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"Source":"a","DetailType":"b","Detail":"{}"}))
        .collect();
    let (status, answer) = put_events_raw(
        &server.endpoint,
        Some("AWSEvents.PutEvents"),
        &json!({"Entries": eleven}).to_string(),
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("ValidationException"))
    );
    assert!(list_archive(&server.service.db).unwrap().is_empty());
    server.stop.cancel();
}

#[tokio::test]
async fn a_locked_put_events_serves_signed_calls_only_and_refuses_the_rest_like_eventbridge() {
    let key = Credentials::new("AKIDLOCAL", "local-secret").unwrap();
    let server = serve_locked(Some(key.clone())).await;
    let welcome = loyalty_service::producers::user_created("dev", "u1", 0);
    let client = |credentials: Option<Credentials>| {
        let client = EventBridgeClient::new(&server.endpoint, "LoyaltyService-bus-dev").unwrap();
        match credentials {
            Some(credentials) => client.with_credentials(credentials),
            None => client,
        }
    };
    let body = json!({"Entries": [{"Source": welcome.source, "DetailType": welcome.detail_type,
                                   "Detail": welcome.detail}]})
    .to_string();

    let unsigned = client(None)
        .put_events(std::slice::from_ref(&welcome))
        .await;
    let wrong_secret = client(Some(Credentials::new("AKIDLOCAL", "guess").unwrap()))
        .put_events(std::slice::from_ref(&welcome))
        .await;
    let other_key = client(Some(Credentials::new("AKIDOTHER", "local-secret").unwrap()))
        .put_events(std::slice::from_ref(&welcome))
        .await;
    // A signature copied from elsewhere, as `put_events_raw` sends it.
    let (forged_status, forged) =
        put_events_raw(&server.endpoint, Some("AWSEvents.PutEvents"), &body).await;
    let archived_before = list_archive(&server.service.db).unwrap().len();
    let signed = client(Some(key))
        .put_events(std::slice::from_ref(&welcome))
        .await
        .unwrap();

    let refusal = |result: Result<Vec<EntryResult>, PublishError>| match result {
        Err(PublishError::Unavailable(message)) => message,
        other => panic!("not refused: {other:?}"),
    };
    let unsigned = refusal(unsigned);
    assert!(
        unsigned.contains("403") && unsigned.contains("MissingAuthenticationTokenException"),
        "{unsigned}"
    );
    assert!(refusal(wrong_secret).contains("InvalidSignatureException"));
    assert!(refusal(other_key).contains("UnrecognizedClientException"));
    assert_eq!(forged_status, 400);
    assert_eq!(forged["__type"], "UnrecognizedClientException");
    assert_eq!(archived_before, 0, "a refused call reached the bus");
    assert!(
        matches!(signed[..], [EntryResult::Accepted { .. }]),
        "{signed:?}"
    );
    assert_eq!(list_archive(&server.service.db).unwrap().len(), 1);
    // The API is not behind the signature: it keeps its own token check.
    let api = reqwest::get(format!("{}/loyalty", server.endpoint))
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    server.stop.cancel();
}

async fn store_with_one_change(server: &Server) {
    let command = CreditCommand {
        user_id: "u1".into(),
        key: CreditKey::WelcomeBonus,
    };
    credit_points(&server.service.store, &SystemClock, &command)
        .await
        .unwrap();
}

fn processor(server: &Server, client: EventBridgeClient) -> StreamProcessor<EventBridgeClient> {
    StreamProcessor::new(
        Outbox::new(server.service.db.clone()),
        client,
        "dev",
        "LoyaltyService-LoyaltyPointsUpdatedFailureDLQ-dev",
        Arc::new(Notify::new()),
    )
    .with_retry_base(Duration::from_millis(1))
}

#[tokio::test]
async fn the_change_stream_publishes_over_put_events_and_removes_the_record() {
    let server = serve().await;
    store_with_one_change(&server).await;
    let client = EventBridgeClient::new(&server.endpoint, "LoyaltyService-bus-dev").unwrap();
    let report = processor(&server, client).process_pass().await.unwrap();
    assert_eq!(
        report,
        PassReport {
            published: 1,
            retrying: 0,
            failed: 0
        }
    );
    assert!(server.service.outbox().is_empty().unwrap());
    let types: Vec<String> = list_archive(&server.service.db)
        .unwrap()
        .into_iter()
        .map(|e| e.detail_type)
        .collect();
    assert_eq!(types, ["loyalty.pointsAdded.v1", "loyalty.pointsAdded.v2"]);
    server.stop.cancel();
}

#[tokio::test]
async fn f9_rejected_entries_are_retried_then_sent_to_the_failure_destination_with_the_reason() {
    let server = serve().await;
    store_with_one_change(&server).await;
    // A bus that does not exist: the endpoint answers 200 with FailedEntryCount 2.
    let client = EventBridgeClient::new(&server.endpoint, "LoyaltyService-bus-nope").unwrap();
    let processor = processor(&server, client);
    assert_eq!(
        processor.process_pass().await.unwrap(),
        PassReport {
            published: 0,
            retrying: 1,
            failed: 0
        }
    );
    assert_eq!(server.service.outbox().len().unwrap(), 1);
    let mut report = PassReport::default();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        report = processor.process_pass().await.unwrap();
        if report.failed == 1 {
            break;
        }
    }
    assert_eq!(report.failed, 1);
    assert!(server.service.outbox().is_empty().unwrap());
    let dead = server.service.queues.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].queue,
        "LoyaltyService-LoyaltyPointsUpdatedFailureDLQ-dev"
    );
    assert_eq!(
        dead[0].reason,
        "publish failed 3 times: 2 of 2 entries were rejected: ResourceNotFoundException: Event bus LoyaltyService-bus-nope does not exist."
    );
    let body: Value = serde_json::from_str(&dead[0].body).unwrap();
    assert_eq!(body["new_points"], 100);
    assert!(list_archive(&server.service.db).unwrap().is_empty());
    server.stop.cancel();
}

#[tokio::test]
async fn f9_an_unreachable_bus_keeps_the_record_for_a_retry() {
    let server = serve().await;
    store_with_one_change(&server).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = EventBridgeClient::new(&endpoint, "LoyaltyService-bus-dev").unwrap();
    let report = processor(&server, client).process_pass().await.unwrap();
    assert_eq!(
        report,
        PassReport {
            published: 0,
            retrying: 1,
            failed: 0
        }
    );
    let pending = server.service.outbox().pending(10).unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 1));
    server.stop.cancel();
}

#[tokio::test]
async fn over_put_events_a_pass_is_split_into_calls_of_at_most_ten_entries() {
    let server = serve().await;
    for i in 0..7 {
        let command = CreditCommand {
            user_id: "u1".into(),
            key: CreditKey::Order(format!("o{i}")),
        };
        credit_points(&server.service.store, &SystemClock, &command)
            .await
            .unwrap();
    }
    // 14 entries: one call would be refused with a ValidationException, so this only passes when split.
    let client = EventBridgeClient::new(&server.endpoint, "LoyaltyService-bus-dev").unwrap();
    let report = processor(&server, client).process_pass().await.unwrap();
    assert_eq!(
        report,
        PassReport {
            published: 7,
            retrying: 0,
            failed: 0
        }
    );
    let totals: Vec<Value> = list_archive(&server.service.db)
        .unwrap()
        .into_iter()
        .filter(|e| e.detail_type == "loyalty.pointsAdded.v2")
        .map(|e| e.detail["data"]["totalPoints"].clone())
        .collect();
    assert_eq!(totals, (1..=7).map(|i| json!(i * 50)).collect::<Vec<_>>());
    server.stop.cancel();
}

#[tokio::test]
async fn an_entry_time_becomes_the_time_of_the_delivered_event() {
    let server = serve().await;
    let detail = json!({"type":"users.userCreated.v1","data":{"userId":"u1"}}).to_string();
    let body = json!({"Entries": [
        {"Source":"dev.users","DetailType":"users.userCreated.v1","Detail":detail,"Time":1718000000.5}
    ]});
    let (status, answer) = put_events_raw(
        &server.endpoint,
        Some("AWSEvents.PutEvents"),
        &body.to_string(),
    )
    .await;
    assert_eq!(
        (status, answer["FailedEntryCount"].as_i64()),
        (200, Some(0))
    );
    let queue = server.service.topology().queue("UserCreated");
    let messages = server
        .service
        .queues
        .receive(
            &queue,
            10,
            loyalty_service::ports::Clock::now_ms(&SystemClock),
        )
        .unwrap();
    let delivered: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(delivered["time"], "2024-06-10T06:13:20Z");
    server.stop.cancel();
}
