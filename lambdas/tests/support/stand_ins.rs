//! Stand-ins for the Product, Product Search and Order services on 127.0.0.1, recording what they saw.
#![allow(dead_code)]

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::config::ServiceEndpoints;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::RwLock;
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
    if loyalty_service::core::jwt::verify(token, SECRET.as_bytes(), SystemClock.now_secs()).is_err()
    {
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
        loyalty_service::ports::Clock::now_ms(self) / 1000
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
