//! The AWS adapters against a real moto server: the same guarantees as the embedded adapters.

use std::sync::Arc;

use crate::moto::Moto;
use aws_sdk_dynamodb::types::AttributeValue;
use loyalty_lambdas::aws::stream_records::{Conversion, convert};
use loyalty_lambdas::aws::{
    AwsError, DynamoAccountStore, DynamoTierStore, EventBridgePublisher, ParameterStore,
};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::core::spend::SpendAmount;
use loyalty_service::ports::{EventPublisher, PublishError, SystemClock};
use loyalty_service::tier_workflow::ports::tier_store::{TierStore, TierStoreError};
use loyalty_service::tier_workflow::tier::Tier;
use loyalty_service::use_cases::publish_change::events_of;
use loyalty_service::use_cases::{
    CreditOutcome, LoyaltyError, SpendRequest, credit_points, credit_points_batch, spend_points,
};
use serde_json::json;

const TABLE: &str = "LoyaltyService-Points-test";

async fn store(moto: &Moto) -> DynamoAccountStore {
    moto.create_table(TABLE).await;
    DynamoAccountStore::new(moto.dynamodb(), TABLE)
}

fn welcome(user: &str) -> CreditCommand {
    CreditCommand {
        user_id: user.into(),
        key: CreditKey::WelcomeBonus,
    }
}

fn order(user: &str, id: &str) -> CreditCommand {
    CreditCommand {
        user_id: user.into(),
        key: CreditKey::Order(id.into()),
    }
}

fn spend(user: &str, points: i64, key: Option<&str>) -> SpendRequest {
    SpendRequest {
        user_id: user.into(),
        amount: SpendAmount::new(points).unwrap(),
        idempotency_key: key.map(str::to_owned),
    }
}

async fn item(moto: &Moto, pk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
    moto.dynamodb()
        .get_item()
        .table_name(TABLE)
        .key("PK", AttributeValue::S(pk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[tokio::test]
async fn the_welcome_bonus_credits_100_once_with_its_idempotency_record() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    let first = credit_points(&store, &SystemClock, &welcome("u1")).await;
    let again = credit_points(&store, &SystemClock, &welcome("u1")).await;
    assert_eq!(first, Ok(CreditOutcome::Credited(100)));
    assert_eq!(again, Ok(CreditOutcome::AlreadyCredited(100)));

    let account = item(&moto, "u1").await.unwrap();
    assert_eq!(account["Type"], AttributeValue::S("LoyaltyAccount".into()));
    assert_eq!((&account["Points"], &account["Version"]), (&n(100), &n(1)));
    let record = item(&moto, "CREDIT#u1#WELCOME").await.unwrap();
    assert_eq!(record["Type"], AttributeValue::S("CreditRecord".into()));
    let AttributeValue::N(ttl) = &record["ExpiresAt"] else {
        panic!("ExpiresAt is a number")
    };
    let ninety_days_s = 90 * 24 * 3600;
    let now_s = SystemClock_now_s();
    let ttl: i64 = ttl.parse().unwrap();
    assert!(
        (ttl - now_s - ninety_days_s).abs() <= 5,
        "TTL {ttl} is 90 days after {now_s}"
    );
}

#[allow(non_snake_case)]
fn SystemClock_now_s() -> i64 {
    use loyalty_service::ports::Clock;
    SystemClock.now_ms() / 1000
}

#[tokio::test]
async fn an_order_is_credited_once_across_a_batch_with_duplicates_and_redeliveries() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    // One SQS batch: welcome, order o1 (v1), the same order again (its v2), one transaction.
    let batch = [welcome("u1"), order("u1", "o1"), order("u1", "o1")];
    let results = credit_points_batch(&store, &SystemClock, &batch).await;
    assert_eq!(
        results,
        vec![
            Ok(CreditOutcome::Credited(100)),
            Ok(CreditOutcome::Credited(150)),
            Ok(CreditOutcome::AlreadyCredited(150)),
        ]
    );
    // A redelivery of the whole batch changes nothing.
    let again = credit_points_batch(&store, &SystemClock, &batch).await;
    assert_eq!(
        again,
        vec![
            Ok(CreditOutcome::AlreadyCredited(150)),
            Ok(CreditOutcome::AlreadyCredited(150)),
            Ok(CreditOutcome::AlreadyCredited(150)),
        ]
    );
    let account = item(&moto, "u1").await.unwrap();
    assert_eq!(account["Points"], n(150));
    assert!(item(&moto, "CREDIT#u1#ORDER#o1").await.is_some());
}

#[tokio::test]
async fn of_five_concurrent_full_balance_spends_exactly_one_succeeds() {
    let moto = Moto::start().await;
    let store = Arc::new(store(&moto).await);
    credit_points(&*store, &SystemClock, &welcome("u1"))
        .await
        .unwrap();
    let spends = (0..5).map(|_| {
        let store = Arc::clone(&store);
        tokio::spawn(
            async move { spend_points(&*store, &SystemClock, &spend("u1", 100, None)).await },
        )
    });
    let mut succeeded = 0;
    let mut refused = 0;
    for handle in spends {
        match handle.await.unwrap() {
            Ok(outcome) => {
                assert_eq!(outcome.account.points, 0);
                succeeded += 1;
            }
            Err(LoyaltyError::InsufficientPoints { current }) => {
                assert_eq!(current.points, 0);
                refused += 1;
            }
            Err(other) => panic!("unexpected spend result: {other:?}"),
        }
    }
    assert_eq!((succeeded, refused), (1, 4));
    assert_eq!(item(&moto, "u1").await.unwrap()["Points"], n(0));
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_first_spend_and_spends_once() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    credit_points(&store, &SystemClock, &welcome("u1"))
        .await
        .unwrap();
    let first = spend_points(&store, &SystemClock, &spend("u1", 30, Some("k1")))
        .await
        .unwrap();
    let repeat = spend_points(&store, &SystemClock, &spend("u1", 30, Some("k1")))
        .await
        .unwrap();
    let other_amount = spend_points(&store, &SystemClock, &spend("u1", 40, Some("k1"))).await;
    assert_eq!((first.account.points, first.replayed), (70, false));
    assert_eq!((repeat.account.points, repeat.replayed), (70, true));
    assert_eq!(
        other_amount.unwrap_err(),
        LoyaltyError::IdempotencyKeyReused
    );

    assert_eq!(item(&moto, "u1").await.unwrap()["Points"], n(70));
    let receipt = item(&moto, "SPEND#u1#k1").await.unwrap();
    assert_eq!(
        (&receipt["PointsRequested"], &receipt["PointsAfter"]),
        (&n(30), &n(70))
    );
    assert_eq!(receipt["Type"], AttributeValue::S("SpendReceipt".into()));
}

#[tokio::test]
async fn an_account_written_by_the_original_keeps_honouring_its_orders_list() {
    let moto = Moto::start().await;
    let store = store(&moto).await;
    moto.dynamodb()
        .put_item()
        .table_name(TABLE)
        .item("PK", AttributeValue::S("u1".into()))
        .item("Type", AttributeValue::S("LoyaltyAccount".into()))
        .item("Points", AttributeValue::N("150".into()))
        .item(
            "Orders",
            AttributeValue::S(r#"["new-user","ORD-1"]"#.into()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        credit_points(&store, &SystemClock, &welcome("u1")).await,
        Ok(CreditOutcome::AlreadyCredited(150))
    );
    assert_eq!(
        credit_points(&store, &SystemClock, &order("u1", "ORD-1")).await,
        Ok(CreditOutcome::AlreadyCredited(150))
    );
    assert_eq!(
        credit_points(&store, &SystemClock, &order("u1", "ORD-2")).await,
        Ok(CreditOutcome::Credited(200))
    );
    let account = item(&moto, "u1").await.unwrap();
    assert_eq!((&account["Points"], &account["Version"]), (&n(200), &n(1)));
    assert_eq!(
        account["Orders"],
        AttributeValue::S(r#"["new-user","ORD-1"]"#.into())
    );
}

#[tokio::test]
async fn a_tier_save_on_a_stale_version_is_a_conflict_naming_the_stored_version() {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    let tiers = DynamoTierStore::new(moto.dynamodb(), TABLE);
    let saved = tiers
        .save_tier("u1", Tier::Silver, 500, 0, "2026-11-25T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(saved.version, 1);
    let stale = tiers
        .save_tier("u1", Tier::Gold, 1500, 0, "2026-11-25T00:01:00.000Z")
        .await;
    assert_eq!(
        stale,
        Err(TierStoreError::VersionConflict {
            user_id: "u1".into(),
            expected: 0,
            actual: 1
        })
    );
    assert!(
        !tiers
            .record_notified("u1", 2, "2026-11-25T00:02:00.000Z")
            .await
            .unwrap()
    );
    assert!(
        tiers
            .record_notified("u1", 1, "2026-11-25T00:02:00.000Z")
            .await
            .unwrap()
    );
    let loaded = tiers.load_tier("u1").await.unwrap().unwrap();
    assert_eq!(
        (
            loaded.tier,
            loaded.version,
            loaded.points_at_upgrade,
            loaded.notified_at.as_deref()
        ),
        (Tier::Silver, 1, 500, Some("2026-11-25T00:02:00.000Z"))
    );
    let gold = tiers
        .save_tier("u1", Tier::Gold, 1500, 1, "2026-11-25T00:03:00.000Z")
        .await
        .unwrap();
    assert_eq!(gold.version, 2);
    let reloaded = tiers.load_tier("u1").await.unwrap().unwrap();
    assert_eq!((reloaded.tier, reloaded.notified_at), (Tier::Gold, None));
    assert_eq!(
        item(&moto, "TIER#u1").await.unwrap()["UserId"],
        AttributeValue::S("u1".into())
    );
    assert_eq!(tiers.load_tier("nobody").await, Ok(None));
}

fn event(detail_type: &str, detail: &str) -> OutgoingEvent {
    OutgoingEvent {
        source: "dev.loyalty".into(),
        detail_type: detail_type.into(),
        detail: detail.into(),
    }
}

#[tokio::test]
async fn twelve_published_events_arrive_in_two_calls_and_a_rejected_entry_fails_the_publish() {
    let moto = Moto::start().await;
    let queue = moto
        .route_to_queue(
            "LoyaltyService-bus-dev",
            "r",
            "dev.loyalty",
            &["loyalty.pointsAdded.v2"],
            "q",
        )
        .await;
    let client = aws_sdk_eventbridge::Client::new(&moto.config);
    let publisher = EventBridgePublisher::new(client, "LoyaltyService-bus-dev");
    let events: Vec<_> = (0..12)
        .map(|i| event("loyalty.pointsAdded.v2", &json!({"n": i}).to_string()))
        .collect();
    publisher.publish(&events).await.unwrap();
    let delivered = moto.receive_sqs_event(&queue, 12).await;
    let mut numbers: Vec<i64> = delivered["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let body: serde_json::Value =
                serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            body["detail"]["n"].as_i64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..12).collect::<Vec<_>>());

    let rejected = publisher
        .publish(&[
            event("loyalty.pointsAdded.v2", "{}"),
            event("loyalty.pointsAdded.v2", "not json"),
        ])
        .await;
    assert_eq!(
        rejected,
        Err(PublishError::EntriesRejected {
            failed: 1,
            total: 2,
            first_error: "MalformedDetail: Detail is malformed.".into()
        })
    );
    let missing_bus =
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&moto.config), "nope");
    let unavailable = missing_bus.publish(&[event("x", "{}")]).await.unwrap_err();
    assert!(
        matches!(&unavailable, PublishError::Unavailable(m) if m.contains("ResourceNotFoundException")),
        "{unavailable:?}"
    );
}

#[tokio::test]
async fn the_jwt_secret_is_read_decrypted_and_a_missing_parameter_is_named() {
    let moto = Moto::start().await;
    let ssm = aws_sdk_ssm::Client::new(&moto.config);
    ssm.put_parameter()
        .name("/dev/shared/secret-access-key")
        .value("s3cr3t")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let parameters = ParameterStore::new(ssm);
    assert_eq!(
        parameters
            .get("/dev/shared/secret-access-key", true)
            .await
            .unwrap(),
        "s3cr3t"
    );
    let missing = parameters.get("/dev/nothing", false).await.unwrap_err();
    let AwsError::Parameter { name, reason } = missing else {
        panic!("expected a parameter error")
    };
    assert_eq!(name, "/dev/nothing");
    assert!(reason.starts_with("ParameterNotFound"), "{reason}");
}

#[tokio::test]
async fn stream_records_of_account_changes_become_changes_and_other_items_are_ignored() {
    let moto = Moto::start().await;
    let stream_arn = moto.create_table(TABLE).await;
    let store = DynamoAccountStore::new(moto.dynamodb(), TABLE);
    credit_points(&store, &SystemClock, &welcome("u1"))
        .await
        .unwrap(); // INSERT +100
    credit_points(&store, &SystemClock, &order("u1", "o1"))
        .await
        .unwrap(); // MODIFY +50
    spend_points(&store, &SystemClock, &spend("u1", 30, None))
        .await
        .unwrap(); // MODIFY -30
    moto.dynamodb() // MODIFY without a balance change
        .update_item()
        .table_name(TABLE)
        .key("PK", AttributeValue::S("u1".into()))
        .update_expression("SET Version = :v")
        .expression_attribute_values(":v", n(4))
        .send()
        .await
        .unwrap();
    DynamoTierStore::new(moto.dynamodb(), TABLE)
        .save_tier("u1", Tier::Silver, 500, 0, "2026-11-25T00:00:00.000Z")
        .await
        .unwrap();

    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(moto.stream_event(&stream_arn).await).unwrap();
    let conversions: Vec<Conversion> = event.records.iter().map(convert).collect();
    let changes: Vec<(Option<i64>, i64, i64)> = conversions
        .iter()
        .filter_map(|c| match c {
            Conversion::Change(r) => Some((
                r.change.old_points,
                r.change.new_points,
                r.change.difference(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (None, 100, 100),
            (Some(100), 150, 50),
            (Some(150), 120, -30),
            (Some(120), 120, 0)
        ]
    );
    // Ignored: two credit records, the tier item, and moto's extra key-only INSERT of an item an UpdateItem creates
    // (a moto quirk: real DynamoDB emits one INSERT with the full image).
    assert_eq!(
        conversions
            .iter()
            .filter(|c| **c == Conversion::Ignored)
            .count(),
        4
    );
    let Conversion::Change(unchanged) = &conversions
        .iter()
        .filter(|c| matches!(c, Conversion::Change(_)))
        .nth(3)
        .unwrap()
    else {
        panic!("a change")
    };
    assert!(events_of(&SystemClock, "dev", &unchanged.change).is_empty());
    // Each change carries its record's sequence number (the batch item identifier of the stream).
    for (record, conversion) in event.records.iter().zip(&conversions) {
        if let Conversion::Change(change) = conversion {
            assert_eq!(
                Some(change.sequence_number.as_str()),
                record.change.sequence_number.as_deref()
            );
        }
    }
}
