//! `loyalty-local serve --backend aws` against a real moto server: provisioning, the API and the PutEvents
//! endpoint on one address, the credit queue pollers and the stream poller, a clean SIGTERM stop, and a restart
//! that continues the stream from its checkpoint without publishing anything twice.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::moto::Moto;
use loyalty_lambdas::aws::DynamoTierStore;
use loyalty_local::bus::{EntryResult, EventBridgeClient};
use loyalty_service::core::jwt::mint_hs256;
use loyalty_service::ports::{Clock, SystemClock};
use loyalty_service::producers;
use loyalty_service::tier_workflow::ports::TierStore;
use loyalty_service::tier_workflow::tier::Tier;
use serde_json::Value;

const SECRET: &str = "serve-aws-secret";
const BUS: &str = "LoyaltyService-bus-dev";

struct Serve {
    child: Child,
    lines: Receiver<String>,
    address: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(moto: &Moto, data_dir: &Path) -> Self {
        Self::start_with(moto, data_dir, SECRET, &[])
    }

    fn start_with(moto: &Moto, data_dir: &Path, secret: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_loyalty-local"))
            .args([
                "serve",
                "--backend",
                "aws",
                "--listen",
                "127.0.0.1:0",
                "--jwt-secret",
                secret,
            ])
            .args(extra)
            .arg("--data-dir")
            .arg(data_dir)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("ENV")
            .env_remove("TABLE_NAME")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut serve = Self {
            child,
            lines,
            address: String::new(),
        };
        serve.address = serve
            .wait_for_line("listening on http://")
            .trim_start_matches("listening on http://")
            .to_owned();
        serve
    }

    fn wait_for_line(&self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("serve did not print `{prefix}...` within 30 s"));
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.wait_for_line("stopped cleanly");
        assert!(self.child.wait().unwrap().success());
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
