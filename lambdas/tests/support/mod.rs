//! The stand-in services and the harness of the tier workflow tests.
#![allow(dead_code)]

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use durable_local::{
    DurableLocal, DurableLocalOptions, ExecutionInfo, ExecutionStatus, TimeControl,
};
use lambdas::adapters::embedded::{BusPublisher, SqliteTierStore};
use lambdas::adapters::http::JwtSecret;
use lambdas::core::outgoing::OutgoingEvent;
use lambdas::local::{EmbeddedService, ServiceConfig};
use lambdas::ports::{EventPublisher, SystemClock};
use lambdas::tier::UpgradeOutcome;
use lambdas::tier_workflow::embedded::{
    ORCHESTRATOR_FUNCTION, ServiceEndpoints, register_tier_workflow,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{RwLock, watch};
use tokio::task::JoinHandle;

pub const SECRET: &str = "tier-test-secret";

/// The three stand-in services and what they saw.
#[derive(Default)]
pub struct Services {
    pub product_failures_left: AtomicU32,
    pub product_calls: AtomicU32,
    pub search_calls: AtomicU32,
    pub order_calls: AtomicU32,
    pub search_queries: std::sync::Mutex<Vec<String>>,
    /// Held for writing by a test that must act while `list-products` is in flight.
    pub product_gate: RwLock<()>,
}

pub fn search_products() -> Vec<Value> {
    (1..=4)
        .map(|i| json!({"productId": format!("p{i}"), "name": format!("Product {i}"), "price": 4.99, "stockLevel": 10 + i}))
        .collect()
}

pub async fn products(State(services): State<Arc<Services>>) -> Response {
    services.product_calls.fetch_add(1, Ordering::SeqCst);
    let _gate = services.product_gate.read().await;
    let failing = services
        .product_failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return (StatusCode::SERVICE_UNAVAILABLE, "overloaded").into_response();
    }
    axum::Json(json!({"data": [{"productId": "p1", "name": "Latte"}], "message": "OK"}))
        .into_response()
}

pub async fn search(State(services): State<Arc<Services>>, body: String) -> Response {
    services.search_calls.fetch_add(1, Ordering::SeqCst);
    let query: Value = serde_json::from_str(&body).unwrap();
    let query = query["query"]
        .as_str()
        .unwrap_or("<not a string>")
        .to_owned();
    services.search_queries.lock().unwrap().push(query);
    axum::Json(json!({"answer": "Try these", "products": search_products()})).into_response()
}

pub async fn orders(
    State(services): State<Arc<Services>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    services.order_calls.fetch_add(1, Ordering::SeqCst);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if lambdas::core::jwt::verify(token, SECRET.as_bytes(), SystemClock.now_secs()).is_err() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let page = match query.get("pageToken").map(String::as_str) {
        None => {
            json!({"items": [{"orderId": "o1"}, {"orderId": "o2"}], "pageSize": 2, "hasMorePages": true, "nextPageToken": "next page/2"})
        }
        Some("next page/2") => {
            json!({"items": [{"orderId": "o3"}], "pageSize": 2, "hasMorePages": false, "nextPageToken": null})
        }
        Some(other) => panic!("unexpected page token {other}"),
    };
    axum::Json(page).into_response()
}

trait NowSecs {
    fn now_secs(&self) -> i64;
}
impl NowSecs for SystemClock {
    fn now_secs(&self) -> i64 {
        lambdas::ports::Clock::now_ms(self) / 1000
    }
}

pub async fn serve_stand_ins(services: Arc<Services>) -> (ServiceEndpoints, JoinHandle<()>) {
    let router = Router::new()
        .route("/product", get(products))
        .route("/search", post(search))
        .route("/orders", get(orders))
        .with_state(services);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let endpoints = ServiceEndpoints {
        product_service: base.clone(),
        product_search: base.clone(),
        order_service: base,
    };
    (endpoints, server)
}

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub service: EmbeddedService,
    pub local: DurableLocal,
    pub services: Arc<Services>,
    pub shutdown: watch::Sender<bool>,
    pub tasks: Vec<JoinHandle<()>>,
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
        let (shutdown, receiver) = watch::channel(false);
        let mut tasks = service.start_workers(&receiver);
        tasks.push(server);
        if pollers == Pollers::Both {
            tasks.extend(
                service
                    .start_tier_workflow(&local, &endpoints, &receiver)
                    .unwrap(),
            );
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
        self.shutdown.send(true).unwrap();
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
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
