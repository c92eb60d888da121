//! Poison messages: what EventBridge itself rejects is refused per entry at `PutEvents`; what reaches a queue but
//! cannot be handled (not a CloudEvent, no `userId`, no order id, a type that does not match exactly, behaviour F5)
//! ends in the dead-letter queue with its reason, while good events keep flowing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use loyalty_tests::cli::{DeadLetter, bus_archive, dead_letters};
use loyalty_tests::events::{ORDER_COMPLETED_V1, USER_CREATED};
use loyalty_tests::{
    CloudEventBuilder, LoyaltyApi, PutEntry, RunningService, fresh_user_id, wait_until,
};
use loyalty_tests::{wait_for_balance_logged, welcome_and_wait};
use serde_json::{Value, json};

/// Three receives with a 30 s visibility timeout, plus slack for a slow debug build.
const DEAD_LETTER_DEADLINE: Duration = Duration::from_secs(150);

struct Poison {
    what: &'static str,
    entry: PutEntry,
    /// Text the dead letter's reason must contain (empty: any non-empty reason).
    reason_mentions: &'static str,
}

fn poison_messages(victim: &str) -> Vec<Poison> {
    let mut missing_user = CloudEventBuilder::user_created(victim);
    missing_user.set("data", json!({}));
    let mut missing_order_id = CloudEventBuilder::order_completed_v1(victim, "unused");
    missing_order_id.set("data", json!({"userId": victim}));
    let mut unknown_order_type = CloudEventBuilder::order_completed_v1(victim, "ORD-V3");
    unknown_order_type.set("type", json!("orders.orderCompleted.v3"));
    let mut unknown_user_type = CloudEventBuilder::user_created(victim);
    unknown_user_type.set("type", json!("users.userDeleted.v1"));
    vec![
        Poison {
            what: "a JSON detail that is not a CloudEvent",
            entry: PutEntry::from_event("dev.users", USER_CREATED, &json!({"hello": "world"})),
            reason_mentions: "",
        },
        Poison {
            what: "a user-created event without userId",
            entry: PutEntry::from_event("dev.users", USER_CREATED, &missing_user.build()),
            reason_mentions: "userId",
        },
        Poison {
            what: "an order without orderNumber",
            entry: PutEntry::from_event(
                "dev.orders",
                ORDER_COMPLETED_V1,
                &missing_order_id.build(),
            ),
            reason_mentions: "Either orderId or orderNumber must be provided",
        },
        Poison {
            what: "an order event whose CloudEvent type is unknown",
            entry: PutEntry::from_event(
                "dev.orders",
                ORDER_COMPLETED_V1,
                &unknown_order_type.build(),
            ),
            reason_mentions: "orders.orderCompleted.v3",
        },
        Poison {
            what: "a user event whose CloudEvent type is not userCreated",
            entry: PutEntry::from_event("dev.users", USER_CREATED, &unknown_user_type.build()),
            reason_mentions: "users.userDeleted.v1",
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_land_in_the_dead_letter_queue_with_their_reason_while_good_events_flow() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let victim = fresh_user_id("victim");
    let good = fresh_user_id("good");
    let poison = poison_messages(&victim);

    let entries: Vec<PutEntry> = poison.iter().map(|p| p.entry.clone()).collect();
    let poison_ids = api.publish(&entries).await.unwrap();
    let good_ids = api
        .publish(&[
            PutEntry::user_created(&good),
            PutEntry::order_completed_v2(&good, "G-1"),
        ])
        .await
        .unwrap();

    // Good events are not held up by the poison sharing their queues.
    wait_for_balance_logged(&service, &api, &service.token_for(&good), 150)
        .await
        .unwrap();

    let letters = wait_until(
        "every poison message in the DLQ",
        DEAD_LETTER_DEADLINE,
        || async {
            let letters = dead_letters(service.binary(), service.data_dir()).await?;
            let found = poison_ids
                .iter()
                .filter(|id| letters.iter().any(|letter| &letter.event_id == *id))
                .count();
            Ok(if found == poison_ids.len() {
                Ok(letters)
            } else {
                Err(format!("{found} of {}: {letters:?}", poison_ids.len()))
            })
        },
    )
    .await;
    let letters = service.with_logs(letters).unwrap();

    assert_eq!(
        letters.len(),
        poison.len(),
        "only the poison is dead-lettered: {letters:?}"
    );
    for (message, event_id) in poison.iter().zip(&poison_ids) {
        let letter: &DeadLetter = letters
            .iter()
            .find(|letter| &letter.event_id == event_id)
            .unwrap();
        assert_eq!(
            letter.detail_type, message.entry.detail_type,
            "{}",
            message.what
        );
        assert!(
            !letter.queue.is_empty() && !letter.message_id.is_empty(),
            "{}: {letter:?}",
            message.what
        );
        assert!(
            !letter.reason.trim().is_empty(),
            "{}: {letter:?}",
            message.what
        );
        assert!(
            letter.reason.contains(message.reason_mentions),
            "{}: reason {:?}",
            message.what,
            letter.reason
        );
        let sent_detail: Value = serde_json::from_str(&message.entry.detail).unwrap();
        assert_eq!(
            letter.body["detail"], sent_detail,
            "{}: the body is the EventBridge event",
            message.what
        );
        assert_eq!(
            letter.body["detail-type"],
            json!(message.entry.detail_type),
            "{}",
            message.what
        );
        assert_eq!(letter.body["id"], json!(event_id), "{}", message.what);
    }
    let queue_of = |index: usize| {
        letters
            .iter()
            .find(|l| l.event_id == poison_ids[index])
            .unwrap()
            .queue
            .clone()
    };
    assert_eq!(
        queue_of(0),
        queue_of(1),
        "both user events died in the user-created queue"
    );
    assert_eq!(
        queue_of(2),
        queue_of(3),
        "both order events died in the order-completed queue"
    );
    assert_ne!(queue_of(0), queue_of(2));
    assert!(
        letters
            .iter()
            .all(|letter| !good_ids.contains(&letter.event_id))
    );

    assert_eq!(
        api.balance(&service.token_for(&victim)).await.unwrap(),
        None,
        "no poison credited anything"
    );
    assert_eq!(
        api.balance(&service.token_for(&good)).await.unwrap(),
        Some(150)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detail_that_is_not_a_json_object_is_refused_per_entry_like_eventbridge() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("batch-neighbour");
    let bad_json = PutEntry {
        source: "dev.users".into(),
        detail_type: USER_CREATED.into(),
        detail: "{not json".into(),
    };
    let not_an_object = PutEntry {
        source: "dev.users".into(),
        detail_type: USER_CREATED.into(),
        detail: "[1,2]".into(),
    };

    let outcome = api
        .put_events(&[bad_json, PutEntry::user_created(&user), not_an_object])
        .await
        .unwrap();

    assert_eq!(outcome.failed_entry_count, 2, "{:?}", outcome.entries);
    assert_eq!(outcome.entries.len(), 3);
    for refused in [&outcome.entries[0], &outcome.entries[2]] {
        assert_eq!(refused["ErrorCode"], json!("MalformedDetail"), "{refused}");
        assert!(
            refused["ErrorMessage"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{refused}"
        );
        assert!(refused.get("EventId").is_none(), "{refused}");
    }
    assert!(
        outcome.entries[1]["EventId"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{:?}",
        outcome.entries
    );
    wait_for_balance_logged(&service, &api, &service.token_for(&user), 100)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_no_rule_matches_is_accepted_and_archived_but_never_dead_lettered() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("unrouted");
    let mut shipped = CloudEventBuilder::order_completed_v2(&user, "ORD-SHIPPED");
    shipped.set("type", json!("orders.orderShipped.v1"));
    let wrong_source = PutEntry::from_event(
        "dev.somebody",
        USER_CREATED,
        &CloudEventBuilder::user_created(&user).build(),
    );

    let ids = api
        .publish(&[
            PutEntry::from_event("dev.orders", "orders.orderShipped.v1", &shipped.build()),
            wrong_source,
        ])
        .await
        .unwrap();
    // A later routed event overtakes nothing: once it is credited the unrouted ones have been through the bus.
    let marker = fresh_user_id("marker");
    welcome_and_wait(&service, &api, &marker).await.unwrap();

    let archive = bus_archive(service.binary(), service.data_dir())
        .await
        .unwrap();
    for id in &ids {
        assert!(
            archive.iter().any(|event| &event.event_id == id),
            "event {id} is in the archive: {archive:?}"
        );
    }
    assert!(
        dead_letters(service.binary(), service.data_dir())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(api.balance(&service.token_for(&user)).await.unwrap(), None);
}
