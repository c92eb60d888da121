//! The harness of the tier workflow tests: the embedded service on durable-local, plus the stand-in services.
#![allow(dead_code)]

#[path = "../../../lambdas/tests/support/stand_ins.rs"]
mod stand_ins;
pub use stand_ins::*;

use durable_local::{
    DurableLocal, DurableLocalOptions, ExecutionInfo, ExecutionStatus, TimeControl,
};
use loyalty_local::bus::BusPublisher;
use loyalty_local::embedded::SqliteTierStore;
use loyalty_local::tier_workflow::register_tier_workflow;
use loyalty_local::{EmbeddedService, ServiceConfig};
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::http::JwtSecret;
use loyalty_service::ports::{EventPublisher, SystemClock};
use loyalty_service::tier_workflow::UpgradeOutcome;
use loyalty_service::tier_workflow::config::ORCHESTRATOR_FUNCTION;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub service: EmbeddedService,
    pub local: DurableLocal,
    pub services: Arc<Services>,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    pub stand_ins: JoinHandle<()>,
}

/// How the workflow is run: with the two pollers (trigger and acknowledger), or registered only.
#[derive(PartialEq)]
pub enum Pollers {
    /// The trigger and acknowledger pollers run.
    Both,
    /// Only the functions are registered.
    None,
}

impl Harness {
    pub async fn start(time: TimeControl, pollers: Pollers, services: Services) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let service = EmbeddedService::open(ServiceConfig::new(
            dir.path(),
            "dev",
            JwtSecret::new(SECRET),
        ))
        .unwrap();
        let local = DurableLocal::open(
            dir.path().join("durable.sqlite3"),
            DurableLocalOptions {
                time,
                ..DurableLocalOptions::default()
            },
        )
        .unwrap();
        let services = Arc::new(services);
        let (endpoints, server) = serve_stand_ins(services.clone()).await;
        let (shutdown, tasks) = (CancellationToken::new(), TaskTracker::new());
        service.start_workers(&tasks, &shutdown);
        if pollers == Pollers::Both {
            service
                .start_tier_workflow(&local, &endpoints, &tasks, &shutdown)
                .unwrap();
        } else {
            register_tier_workflow(
                &local,
                &endpoints,
                "dev",
                SECRET.as_bytes(),
                SqliteTierStore::new(service.db.clone()),
                BusPublisher::new(service.bus.clone()),
                SystemClock,
            )
            .unwrap();
        }
        Self {
            _dir: dir,
            service,
            local,
            services,
            shutdown,
            tasks,
            stand_ins: server,
        }
    }

    pub async fn publish(&self, events: &[OutgoingEvent]) {
        BusPublisher::new(self.service.bus.clone())
            .publish(events)
            .await
            .unwrap();
    }

    pub async fn executions(&self, at_least: usize) -> Vec<String> {
        for _ in 0..2000 {
            let arns = self.local.list_executions(ORCHESTRATOR_FUNCTION).unwrap();
            if arns.len() >= at_least {
                return arns;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("fewer than {at_least} executions after 10 s");
    }

    pub async fn finished(&self, arn: &str) -> (ExecutionInfo, UpgradeOutcome) {
        let info =
            tokio::time::timeout(Duration::from_secs(30), self.local.wait_for_completion(arn))
                .await
                .expect("the execution finishes")
                .unwrap();
        assert_eq!(info.status, ExecutionStatus::Succeeded, "{info:?}");
        let outcome = serde_json::from_str(info.result.as_deref().unwrap()).unwrap();
        (info, outcome)
    }

    pub fn tiers(&self) -> SqliteTierStore {
        SqliteTierStore::new(self.service.db.clone())
    }

    /// `"<type> <name>"` of every operation of the execution, in creation order.
    pub fn operations(&self, arn: &str) -> Vec<String> {
        self.local
            .operations(arn)
            .unwrap()
            .iter()
            .map(|op| format!("{:?} {}", op.op_type, op.name.as_deref().unwrap_or("-")))
            .collect()
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.stand_ins.abort();
        let _ = self.stand_ins.await;
    }
}

/// Waits until `condition` holds, polling every 5 ms; panics naming `expected` after `limit`.
pub async fn wait_until(expected: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting until {expected}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn points_added(user: &str, total: i64) -> OutgoingEvent {
    let detail = json!({"id": uuid::Uuid::new_v4().to_string(), "type": "loyalty.pointsAdded.v2", "source": "loyalty",
                        "specversion": "1.0", "data": {"userId": user, "totalPoints": total, "difference": 10}});
    OutgoingEvent {
        source: "dev.loyalty".into(),
        detail_type: "loyalty.pointsAdded.v2".into(),
        detail: detail.to_string(),
    }
}

pub fn upgrade_input(user: &str, total: i64) -> Value {
    json!({"userId": user, "totalPoints": total})
}
