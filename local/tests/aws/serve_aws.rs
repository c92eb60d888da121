//! `loyalty-local serve --backend aws` against a real moto server: provisioning, the API and the PutEvents
//! endpoint on one address, the credit queue pollers and the stream poller, a clean SIGTERM stop, and a restart
//! that continues the stream from its checkpoint without publishing anything twice.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::moto::Moto;
use crate::process::Process;
use loyalty_lambdas::aws::{DynamoTierStore, EventBridgePublisher};
use loyalty_local::bus::{EntryResult, EventBridgeClient};
use loyalty_service::core::jwt::mint_hs256;
use loyalty_service::ports::{Clock, EventPublisher, SystemClock};
use loyalty_service::producers;
use loyalty_service::tier_workflow::ports::TierStore;
use loyalty_service::tier_workflow::tier::Tier;
use serde_json::Value;

const SECRET: &str = "serve-aws-secret";
const BUS: &str = "LoyaltyService-bus-dev";

struct Serve {
    process: Process,
    address: String,
}

impl Serve {
    fn start(moto: &Moto, data_dir: &Path) -> Self {
        Self::start_with(moto, data_dir, SECRET, &[])
    }

    fn start_with(moto: &Moto, data_dir: &Path, secret: &str, extra: &[&str]) -> Self {
        let mut args = vec!["--jwt-secret", secret];
        args.extend_from_slice(extra);
        Self::start_args(moto, data_dir, &args)
    }

    fn start_args(moto: &Moto, data_dir: &Path, extra: &[&str]) -> Self {
        let process = Process::spawn(
            Command::new(env!("CARGO_BIN_EXE_loyalty-local"))
                .args(["serve", "--backend", "aws", "--listen", "127.0.0.1:0"])
                .args(extra)
                .arg("--data-dir")
                .arg(data_dir)
                .env("AWS_ENDPOINT_URL", &moto.endpoint)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1")
                .env_remove("ENV")
                .env_remove("TABLE_NAME")
                .env_remove("JWT_SECRET")
                .stderr(Stdio::null()),
        );
        let address = process
            .listening_address(Duration::from_secs(30))
            .expect("serve did not print its address within 30 s");
        Self { process, address }
    }

    fn wait_for_line(&self, prefix: &str) -> String {
        self.process
            .line_starting(prefix, Duration::from_secs(30))
            .unwrap_or_else(|| panic!("serve did not print `{prefix}...` within 30 s"))
    }

    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.wait_for_line("stopped cleanly");
        assert!(self.process.child().wait().unwrap().success());
    }

    async fn balance(&self, token: &str) -> Value {
        let response = reqwest::Client::new()
            .get(format!("http://{}/loyalty", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }
}

/// `(detail-type, difference)` of the events the observer queue received, sorted (the two credits may be applied
/// in either order, so their totals vary, their differences do not).
async fn observed(moto: &Moto, queue: &str, expected: usize) -> Vec<(String, i64)> {
    let event = moto.receive_sqs_event(queue, expected).await;
    let mut seen: Vec<(String, i64)> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            let kind = body["detail-type"].as_str().unwrap().to_owned();
            (kind, body["detail"]["data"]["difference"].as_i64().unwrap())
        })
        .collect();
    seen.sort();
    seen
}

#[tokio::test]
async fn serve_on_moto_credits_published_events_once_and_publishes_each_balance_change_once() {
    let moto = Moto::start().await;
    let observer = moto
        .route_to_queue(
            BUS,
            "observer",
            "dev.loyalty",
            &["loyalty.pointsAdded.v2", "loyalty.pointsSpent.v1"],
            "observer",
        )
        .await;
    let data = tempfile::tempdir().unwrap();
    let serve = Serve::start(&moto, data.path());
    // dev is integrated: the given secret goes to the shared parameter, and the bus is the shared one's business.
    let ssm = aws_sdk_ssm::Client::new(&moto.config);
    let value = |name: &'static str| {
        let ssm = ssm.clone();
        async move {
            ssm.get_parameter()
                .name(name)
                .send()
                .await
                .ok()
                .and_then(|o| o.parameter)
                .and_then(|p| p.value)
        }
    };
    assert_eq!(
        value("/dev/LoyaltyService/api-endpoint").await,
        Some(format!("http://{}", serve.address))
    );
    assert_eq!(
        value("/dev/shared/secret-access-key").await.as_deref(),
        Some(SECRET)
    );
    assert_eq!(value("/dev/LoyaltyService/event-bus-name").await, None);
    assert_eq!(value("/dev/LoyaltyService/secret-access-key").await, None);

    let now = SystemClock.now_ms();
    let bus = EventBridgeClient::new(&format!("http://{}", serve.address), BUS).unwrap();
    let events = [
        producers::user_created("dev", "u1", now),
        producers::order_completed("dev", "u1", "o-1", false, now),
        producers::order_completed("dev", "u1", "o-1", true, now),
    ];
    let accepted = bus.put_events(&events).await.unwrap();
    assert_eq!(accepted.len(), 3);
    // A detail deeper than the consumers read is refused by the forwarder itself (behaviour F20); its neighbour (a
    // source no rule routes) goes through to EventBridge, and the answers keep their order.
    let mut too_deep = producers::user_created("elsewhere", "u-deep", now);
    too_deep.detail = format!(r#"{{"x":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let mixed = bus
        .put_events(&[producers::user_created("elsewhere", "u2", now), too_deep])
        .await
        .unwrap();
    assert!(
        matches!(mixed[0], EntryResult::Accepted { .. }),
        "{mixed:?}"
    );
    assert_eq!(
        mixed[1],
        EntryResult::Failed {
            error_code: "MalformedDetail".into(),
            error_message: "Detail is malformed.".into()
        }
    );

    let token = mint_hs256("u1", SECRET.as_bytes(), now / 1000, 3600).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let balance = serve.balance(&token).await;
        if balance["data"]["currentPoints"] == 150 {
            break;
        }
        assert!(Instant::now() < deadline, "balance after 20 s: {balance}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let spend = reqwest::Client::new()
        .post(format!("http://{}/loyalty", serve.address))
        .bearer_auth(&token)
        .body(r#"{"points":30}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(spend.status(), 201);
    assert_eq!(
        observed(&moto, &observer, 3).await,
        vec![
            ("loyalty.pointsAdded.v2".to_owned(), 50),
            ("loyalty.pointsAdded.v2".to_owned(), 100),
            ("loyalty.pointsSpent.v1".to_owned(), -30),
        ]
    );
    serve.stop();

    // A restart continues the stream after its checkpoint: nothing is published again.
    let restarted = Serve::start(&moto, data.path());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let again = moto
        .sqs()
        .receive_message()
        .queue_url(&observer)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.messages().len(),
        0,
        "events published again after the restart"
    );
    assert_eq!(
        restarted.balance(&token).await["data"]["currentPoints"],
        120
    );
    restarted.stop();
}

#[tokio::test]
async fn serve_on_moto_with_the_tier_workflow_upgrades_the_dynamodb_tier_item_at_500_points() {
    let moto = Moto::start().await;
    let services = std::sync::Arc::new(crate::support::Services::default());
    let (endpoints, _stand_ins) = crate::support::serve_stand_ins(services.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let serve = Serve::start_with(
        &moto,
        data.path(),
        crate::support::SECRET,
        &[
            "--tier-time-scale",
            "0.01",
            "--product-service-endpoint",
            &endpoints.product_service,
            "--product-search-endpoint",
            &endpoints.product_search,
            "--order-service-endpoint",
            &endpoints.order_service,
        ],
    );
    let now = SystemClock.now_ms();
    let bus = EventBridgeClient::new(&format!("http://{}", serve.address), BUS).unwrap();
    let mut events = vec![producers::user_created("dev", "u1", now)];
    events.extend(
        (1..=8)
            .map(|i| producers::order_completed("dev", "u1", &format!("o-{i}"), i % 2 == 0, now)),
    );
    for chunk in events.chunks(10) {
        assert!(bus.put_events(chunk).await.unwrap().len() == chunk.len());
    }

    let tiers = DynamoTierStore::new(moto.dynamodb(), "LoyaltyService-Points-dev");
    let deadline = Instant::now() + Duration::from_secs(30);
    let tier = loop {
        if let Some(tier) = tiers.load_tier("u1").await.unwrap()
            && tier.notified_at.is_some()
        {
            break tier;
        }
        assert!(
            Instant::now() < deadline,
            "no acknowledged Silver tier after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The first pointsAdded.v2 at or over 500 is exactly 500 (100 + 8 x 50), whatever the order of the credits.
    assert_eq!(
        (tier.tier, tier.version, tier.points_at_upgrade),
        (Tier::Silver, 1, 500)
    );
    assert_eq!(
        services
            .search_calls
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    serve.stop();
}

/// A client that knows only `ENV` and the AWS endpoint: everything else it reads from SSM, as the earlier service's
/// integration suite did.
struct SsmClient {
    ssm: aws_sdk_ssm::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    events: aws_sdk_eventbridge::Client,
    env: &'static str,
}

impl SsmClient {
    async fn parameter(&self, key: &str) -> String {
        let name = format!("/{}/LoyaltyService/{key}", self.env);
        self.ssm
            .get_parameter()
            .name(&name)
            .with_decryption(false)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetParameter {name}: {e:?}"))
            .parameter
            .and_then(|p| p.value)
            .unwrap_or_else(|| panic!("{name} has no value"))
    }

    /// PutEvents on `bus` through the service's own EventBridge publisher, every entry accepted.
    async fn put(&self, bus: &str, events: &[loyalty_service::core::outgoing::OutgoingEvent]) {
        EventBridgePublisher::new(self.events.clone(), bus)
            .publish(events)
            .await
            .unwrap();
    }

    async fn points(&self, api: &str, token: &str) -> Value {
        let response = reqwest::Client::new()
            .get(format!("{api}/loyalty"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        body["data"]["currentPoints"].clone()
    }

    async fn wait_for_points(&self, api: &str, token: &str, expected: i64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let points = self.points(api, token).await;
            if points == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{points} points after 30 s, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn tier_item(
        &self,
        table: &str,
        user: &str,
    ) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        self.dynamodb
            .get_item()
            .table_name(table)
            .key(
                "PK",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("TIER#{user}")),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    }
}

#[tokio::test]
async fn a_client_that_knows_only_env_and_the_aws_endpoint_finds_everything_through_ssm() {
    let moto = Moto::start().await;
    let services = std::sync::Arc::new(crate::support::Services::default());
    let (endpoints, _stand_ins) = crate::support::serve_stand_ins(services.clone()).await;
    let data = tempfile::tempdir().unwrap();
    // No secret given: the service creates one in SSM, where the client reads it.
    let serve = Serve::start_args(
        &moto,
        data.path(),
        &[
            "--env",
            "ci",
            "--tier-time-scale",
            "0.01",
            "--product-service-endpoint",
            &endpoints.product_service,
            "--product-search-endpoint",
            &endpoints.product_search,
            "--order-service-endpoint",
            &endpoints.order_service,
        ],
    );
    let client = SsmClient {
        ssm: aws_sdk_ssm::Client::new(&moto.config),
        dynamodb: moto.dynamodb(),
        events: aws_sdk_eventbridge::Client::new(&moto.config),
        env: "ci",
    };

    let api = client.parameter("api-endpoint").await;
    let bus = client.parameter("event-bus-name").await;
    let table = client.parameter("table-name").await;
    let secret = client.parameter("secret-access-key").await;
    assert_eq!(api, format!("http://{}", serve.address));
    assert!(!api.ends_with('/'));
    assert_eq!(bus, "LoyaltyService-bus-ci");
    assert_eq!(table, "LoyaltyService-Points-ci");
    assert_eq!(secret.len(), 64, "a random secret: {secret}");

    let now = SystemClock.now_ms();
    let token = |user: &str| mint_hs256(user, secret.as_bytes(), now / 1000, 3600).unwrap();
    let (u1, u2) = (token("u1"), token("u2"));
    client
        .put(&bus, &[producers::user_created("ci", "u1", now)])
        .await;
    client.wait_for_points(&api, &u1, 100).await;
    client
        .put(
            &bus,
            &[producers::order_completed("ci", "u1", "o-1", false, now)],
        )
        .await;
    client.wait_for_points(&api, &u1, 150).await;
    // The same order again, then through v2: credited once in all.
    client
        .put(
            &bus,
            &[
                producers::order_completed("ci", "u1", "o-1", false, now),
                producers::order_completed("ci", "u1", "o-1", true, now),
            ],
        )
        .await;
    // 250 points make no tier.
    client
        .put(
            &bus,
            &[
                producers::user_created("ci", "u2", now),
                producers::order_completed("ci", "u2", "p-1", true, now),
                producers::order_completed("ci", "u2", "p-2", true, now),
                producers::order_completed("ci", "u2", "p-3", false, now),
            ],
        )
        .await;
    client.wait_for_points(&api, &u2, 250).await;
    assert_eq!(client.points(&api, &u1).await, 150);
    // Seven more orders: 100 + 8 x 50 = 500, Silver.
    let orders: Vec<_> = (2..=8)
        .map(|i| producers::order_completed("ci", "u1", &format!("o-{i}"), i % 2 == 0, now))
        .collect();
    client.put(&bus, &orders).await;
    client.wait_for_points(&api, &u1, 500).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let item = loop {
        if let Some(item) = client.tier_item(&table, "u1").await
            && item.contains_key("NotifiedAt")
        {
            break item;
        }
        assert!(
            Instant::now() < deadline,
            "no acknowledged tier item after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let number = |key: &str| item[key].as_n().unwrap().parse::<i64>().unwrap();
    assert_eq!(item["Tier"].as_s().unwrap(), "Silver");
    assert_eq!(number("TierVersion"), 1);
    assert_eq!(number("PointsAtUpgrade"), 500);
    assert!(client.tier_item(&table, "u2").await.is_none());
    serve.stop();

    // Restarted without a secret, the service reads the one in SSM (the client's token still works) and writes its
    // new address.
    let restarted = Serve::start_args(&moto, data.path(), &["--env", "ci"]);
    let api_after = client.parameter("api-endpoint").await;
    assert_eq!(api_after, format!("http://{}", restarted.address));
    assert_eq!(client.parameter("secret-access-key").await, secret);
    assert_eq!(client.points(&api_after, &u1).await, 500);
    restarted.stop();
}
