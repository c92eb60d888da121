//! The assembled embedded service, with its workers running: bus -> queues -> handlers -> accounts -> outbox ->
//! change stream -> bus, over one SQLite file in a temp dir.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::bus::{EntryResult, PutEventsEntry};
use crate::embedded::archive::list_archive;
use crate::embedded::topology::{ORDER_COMPLETED, TIER_UPGRADE_TRIGGER};
use loyalty_service::core::spend::SpendAmount;
use loyalty_service::http::JwtSecret;
use loyalty_service::ports::{AccountStore, Clock, SystemClock};
use loyalty_service::producers;
use loyalty_service::use_cases::{SpendRequest, spend_points};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

struct Running {
    _dir: tempfile::TempDir,
    service: EmbeddedService,
    stop: CancellationToken,
    workers: TaskTracker,
}

fn open(dir: &std::path::Path) -> EmbeddedService {
    EmbeddedService::open(ServiceConfig::new(dir, "dev", JwtSecret::new("s"))).unwrap()
}

fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path());
    let (stop, workers) = (CancellationToken::new(), TaskTracker::new());
    service.start_workers(&workers, &stop);
    Running {
        _dir: dir,
        service,
        stop,
        workers,
    }
}

impl Running {
    fn put(&self, event: loyalty_service::core::outgoing::OutgoingEvent) -> String {
        let entry = PutEventsEntry {
            source: Some(event.source),
            detail_type: Some(event.detail_type),
            detail: Some(event.detail),
            event_bus_name: Some("LoyaltyService-bus-dev".into()),
            resources: vec![],
            time_ms: None,
        };
        match &self
            .service
            .bus
            .put_events(&[entry], SystemClock.now_ms())
            .unwrap()[0]
        {
            EntryResult::Accepted { event_id } => event_id.clone(),
            failed => panic!("{failed:?}"),
        }
    }

    fn put_raw(&self, source: &str, detail_type: &str, detail: Value) -> String {
        self.put(loyalty_service::core::outgoing::OutgoingEvent {
            source: source.into(),
            detail_type: detail_type.into(),
            detail: detail.to_string(),
        })
    }

    async fn points(&self, user: &str) -> Option<i64> {
        self.service
            .store
            .load_account(user)
            .await
            .unwrap()
            .map(|a| a.points)
    }

    async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let queues = [
            self.service.topology().queue(USER_CREATED_Q),
            self.service.topology().queue(ORDER_COMPLETED),
        ];
        loop {
            let pending: i64 = queues
                .iter()
                .map(|q| self.service.queues.depth(q).unwrap())
                .sum();
            if pending == 0 && self.service.outbox().is_empty().unwrap() {
                return;
            }
            assert!(Instant::now() < deadline, "the service did not settle");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn stop(self) {
        self.stop.cancel();
        self.workers.close();
        self.workers.wait().await;
    }
}

const USER_CREATED_Q: &str = crate::embedded::topology::USER_CREATED;

fn archived_types(service: &EmbeddedService) -> Vec<(String, Value)> {
    list_archive(&service.db)
        .unwrap()
        .into_iter()
        .map(|e| (e.detail_type, e.detail))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_gets_100_and_one_order_makes_150_whatever_the_redeliveries_and_versions() {
    let running = start();
    running.put(producers::user_created("dev", "u1", SystemClock.now_ms()));
    running.settled().await;
    assert_eq!(running.points("u1").await, Some(100));

    running.put(producers::order_completed(
        "dev",
        "u1",
        "o-1",
        false,
        SystemClock.now_ms(),
    ));
    running.put(producers::order_completed(
        "dev",
        "u1",
        "o-1",
        false,
        SystemClock.now_ms(),
    ));
    running.put(producers::order_completed(
        "dev",
        "u1",
        "o-1",
        true,
        SystemClock.now_ms(),
    ));
    running.settled().await;
    assert_eq!(running.points("u1").await, Some(150));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_before_the_user_created_event_gives_150_after_both() {
    let running = start();
    running.put(producers::order_completed(
        "dev",
        "u2",
        "o-9",
        true,
        SystemClock.now_ms(),
    ));
    running.settled().await;
    assert_eq!(running.points("u2").await, Some(50));
    running.put(producers::user_created("dev", "u2", SystemClock.now_ms()));
    running.settled().await;
    assert_eq!(running.points("u2").await, Some(150));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_land_in_the_dlq_with_their_reason_and_the_queue_keeps_flowing() {
    let running = start();
    let order_queue = running.service.topology().queue(ORDER_COMPLETED);
    running
        .service
        .queues
        .send(&order_queue, "{not json", SystemClock.now_ms())
        .unwrap();
    let no_user = running.put_raw(
        "dev.orders",
        "orders.orderCompleted.v1",
        json!({"type":"orders.orderCompleted.v1","data":{"orderNumber":"o-1"}}),
    );
    let unknown = running.put_raw(
        "dev.orders",
        "orders.orderCompleted.v2",
        json!({"type":"orders.orderCompleted.v9","data":{"orderId":"o-1","userId":"u3"}}),
    );
    let no_order = running.put_raw(
        "dev.orders",
        "orders.orderCompleted.v2",
        json!({"type":"orders.orderCompleted.v2","data":{"userId":"u3"}}),
    );
    running.put(producers::order_completed(
        "dev",
        "u3",
        "o-2",
        true,
        SystemClock.now_ms(),
    ));
    running.settled().await;
    assert_eq!(running.points("u3").await, Some(50));

    let dead = running.service.queues.dead_letters().unwrap();
    let summary: Vec<(Option<&str>, &str)> = dead
        .iter()
        .map(|d| (d.event_id.as_deref(), d.reason.as_str()))
        .collect();
    assert_eq!(summary.len(), 4);
    assert!(
        summary[0].1.starts_with("message is not valid JSON: "),
        "{summary:?}"
    );
    assert_eq!(summary[0].0, None);
    assert_eq!(
        summary[1],
        (
            Some(no_user.as_str()),
            "orders.orderCompleted.v1 has no data.userId"
        )
    );
    assert_eq!(
        summary[2],
        (
            Some(unknown.as_str()),
            "unsupported event type `orders.orderCompleted.v9`"
        )
    );
    assert_eq!(
        summary[3],
        (
            Some(no_order.as_str()),
            "Either orderId or orderNumber must be provided"
        )
    );
    assert!(
        dead.iter()
            .all(|d| d.queue == "LoyaltyService-OrderCompletedDLQ-dev")
    );
    assert_eq!(dead[0].body, "{not json");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_stream_publishes_the_real_differences_through_the_same_rules() {
    let running = start();
    running.put(producers::user_created("dev", "u4", SystemClock.now_ms()));
    running.settled().await;
    let request = SpendRequest {
        user_id: "u4".into(),
        amount: SpendAmount::new(30).unwrap(),
        idempotency_key: None,
    };
    spend_points(&running.service.store, &SystemClock, &request)
        .await
        .unwrap();
    running.settled().await;

    let published: Vec<(String, Value)> = archived_types(&running.service)
        .into_iter()
        .filter(|(t, _)| t.starts_with("loyalty."))
        .collect();
    let kinds: Vec<&str> = published.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "loyalty.pointsAdded.v1",
            "loyalty.pointsAdded.v2",
            "loyalty.pointsSpent.v1"
        ]
    );
    assert_eq!(
        published[0].1["data"],
        json!({"newPointsTotal":100,"userId":"u4"})
    );
    assert_eq!(
        published[1].1["data"],
        json!({"userId":"u4","totalPoints":100,"difference":100})
    );
    assert_eq!(
        published[2].1["data"],
        json!({"userId":"u4","totalPoints":70,"difference":-30})
    );
    assert_eq!(published[0].1["id"], published[1].1["id"]);

    // pointsAdded.v2 is routed to the TierUpgradeTrigger queue, which keeps it for the tier workflow.
    let trigger = running.service.topology().queue(TIER_UPGRADE_TRIGGER);
    assert_eq!(running.service.queues.depth(&trigger).unwrap(), 1);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_events_and_outbox_records_left_by_a_stopped_process_are_processed_after_a_restart()
{
    let dir = tempfile::tempdir().unwrap();
    {
        // A process that accepted events and committed a change, then died before its workers ran.
        let service = open(dir.path());
        let entries: Vec<PutEventsEntry> = (0..25)
            .map(|i| {
                let event = producers::order_completed(
                    "dev",
                    "u5",
                    &format!("o-{i}"),
                    i % 2 == 0,
                    SystemClock.now_ms(),
                );
                PutEventsEntry {
                    source: Some(event.source),
                    detail_type: Some(event.detail_type),
                    detail: Some(event.detail),
                    event_bus_name: None,
                    resources: vec![],
                    time_ms: None,
                }
            })
            .collect();
        for chunk in entries.chunks(10) {
            service.bus.put_events(chunk, SystemClock.now_ms()).unwrap();
        }
        let queue = service.topology().queue(ORDER_COMPLETED);
        let in_flight = service
            .queues
            .receive(&queue, 10, SystemClock.now_ms())
            .unwrap();
        assert_eq!(in_flight.len(), 10);
    }
    let service = open(dir.path());
    let (stop, workers) = (CancellationToken::new(), TaskTracker::new());
    service.start_workers(&workers, &stop);
    let running = Running {
        _dir: dir,
        workers,
        service,
        stop,
    };
    running.settled().await;
    assert_eq!(running.points("u5").await, Some(25 * 50));
    let added = archived_types(&running.service)
        .iter()
        .filter(|(t, _)| t == "loyalty.pointsAdded.v2")
        .count();
    assert_eq!(added, 25);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f16_malformed_observability_data_never_fails_a_credit() {
    let running = start();
    running.put_raw(
        "dev.users",
        "users.userCreated.v1",
        json!({"type":"users.userCreated.v1","traceparent":"garbage","_datadog":"not-a-carrier","time":"yesterday",
               "data":{"userId":"u6"}}),
    );
    running.put_raw(
        "dev.orders",
        "orders.orderCompleted.v2",
        json!({"type":"orders.orderCompleted.v2","traceparent":42,"_datadog":[1],"time":{"nested":true},
               "data":{"orderId":"o-1","userId":"u6"}}),
    );
    running.settled().await;
    assert_eq!(running.points("u6").await, Some(150));
    assert!(running.service.queues.dead_letters().unwrap().is_empty());
    running.stop().await;
}
