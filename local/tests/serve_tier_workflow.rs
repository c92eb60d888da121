//! `loyalty-local serve` with the tier workflow on: the real binary, stand-in services on 127.0.0.1, events sent
//! through its PutEvents endpoint, and a SIGKILL in the middle of an upgrade.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/process.rs"]
mod process;
mod support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use loyalty_service::tier_workflow::config::ServiceEndpoints;
use process::Process;
use serde_json::json;
use support::{SECRET, Services, points_added, serve_stand_ins};

/// A running `loyalty-local serve` and its address; dropping it kills and reaps the process, so a failing test
/// leaves nothing running.
struct Serve {
    process: Process,
    address: String,
    /// The process's stderr, shown in every panic message of the test.
    stderr: tempfile::NamedTempFile,
}

impl Serve {
    fn start(data_dir: &Path, endpoints: &ServiceEndpoints) -> Self {
        let stderr = tempfile::NamedTempFile::new().unwrap();
        let process = Process::spawn(
            Command::new(env!("CARGO_BIN_EXE_loyalty-local"))
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--jwt-secret",
                    SECRET,
                    "--tier-time-scale",
                    "0.01",
                ])
                .arg("--data-dir")
                .arg(data_dir)
                .args(["--product-service-endpoint", &endpoints.product_service])
                .args(["--product-search-endpoint", &endpoints.product_search])
                .args(["--order-service-endpoint", &endpoints.order_service])
                .env_remove("ENV")
                .stderr(stderr.reopen().unwrap()),
        );
        let mut serve = Self {
            process,
            address: String::new(),
            stderr,
        };
        // The tier line comes before the address.
        let saw_tier_line = serve
            .process
            .line_starting(
                "tier workflow: LoyaltyService-TierUpgradeOrchestrator on durable-local",
                Duration::from_secs(20),
            )
            .is_some();
        assert!(
            saw_tier_line,
            "serve announces the tier workflow; stderr:\n{}",
            serve.stderr_text()
        );
        serve.address = serve
            .process
            .listening_address(Duration::from_secs(20))
            .unwrap_or_else(|| {
                panic!(
                    "serve did not print its address within 20 s; stderr:\n{}",
                    serve.stderr_text()
                )
            });
        serve
    }

    fn stderr_text(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_else(|e| format!("<unreadable: {e}>"))
    }

    async fn put_event(&self, user: &str, total: i64) {
        let event = points_added(user, total);
        let body = json!({"Entries": [{"Source": event.source, "DetailType": event.detail_type,
                                       "Detail": event.detail, "EventBusName": "LoyaltyService-bus-dev"}]});
        let response = reqwest::Client::new()
            .post(format!("http://{}/", self.address))
            .header("X-Amz-Target", "AWSEvents.PutEvents")
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(answer["FailedEntryCount"], 0, "{answer}");
    }

    /// SIGKILL, as a crash would; `Drop` then has nothing left to do.
    fn kill(mut self) {
        self.process.child().kill().unwrap();
        self.process.child().wait().unwrap();
    }
}

/// `(Tier, TierVersion, NotifiedAt)` of the user, read from the service's SQLite file.
fn tier_item(data_dir: &Path, user: &str) -> Option<(String, i64, Option<String>)> {
    let path = data_dir.join("loyalty.sqlite3");
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    connection
        .query_row(
            "SELECT tier, tier_version, notified_at FROM tiers WHERE user_id = ?1",
            [user],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .ok()
}

async fn wait_until_notified(
    serve: &Serve,
    data_dir: &Path,
    user: &str,
) -> (String, i64, Option<String>) {
    for _ in 0..3000 {
        if let Some(item @ (_, _, Some(_))) = tier_item(data_dir, user) {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "{user} was not upgraded and notified within 30 s: {:?}; serve's stderr:\n{}",
        tier_item(data_dir, user),
        serve.stderr_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_interrupted_by_sigkill_completes_after_the_restart() {
    let services = Arc::new(Services::default());
    let (endpoints, server) = serve_stand_ins(services.clone()).await;
    let dir = tempfile::tempdir().unwrap();

    let gate = services.product_gate.write().await;
    let first = Serve::start(dir.path(), &endpoints);
    first.put_event("u-crash", 500).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while services.product_calls.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "list-products was not called within 15 s of the event; stderr:\n{}",
            first.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The execution is inside gather-context: nothing is upgraded yet when the process dies.
    first.kill();
    assert_eq!(tier_item(dir.path(), "u-crash"), None);
    drop(gate);

    let second = Serve::start(dir.path(), &endpoints);
    let (tier, version, _) = wait_until_notified(&second, dir.path(), "u-crash").await;
    assert_eq!((tier.as_str(), version), ("Silver", 1));
    assert!(
        services.product_calls.load(Ordering::SeqCst) >= 2,
        "list-products ran again after the restart"
    );
    assert_eq!(
        services.order_calls.load(Ordering::SeqCst),
        2,
        "two pages of orders, read once"
    );
    second.kill();
    server.abort();
}
