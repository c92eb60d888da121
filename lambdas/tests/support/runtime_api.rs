//! A stand-in for the Lambda Runtime API on 127.0.0.1 (`/2018-06-01/runtime/invocation/...`), so the real
//! function binaries run their `lambda_runtime` loop: it serves the queued events in order and records each
//! invocation's response or error.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::Notify;

/// What a function answered for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `/response`.
    Response(Value),
    /// `/error` (or an init error under the id `init`).
    Error(Value),
}

#[derive(Default)]
struct Inner {
    pending: Mutex<VecDeque<(String, Value)>>,
    answers: Mutex<HashMap<String, Answer>>,
    /// When the first `GET /next` arrived (the function finished its cold start).
    first_next: Mutex<Option<Instant>>,
    /// When each answer arrived.
    answered_at: Mutex<HashMap<String, Instant>>,
    queued: Notify,
    answered: Notify,
}

/// The running stand-in.
pub struct RuntimeApi {
    inner: Arc<Inner>,
    /// `127.0.0.1:PORT`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    inner
        .first_next
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now);
    loop {
        let notified = inner.queued.notified();
        if let Some((id, event)) = inner.pending.lock().unwrap().pop_front() {
            let mut headers = HeaderMap::new();
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            headers.insert(
                "lambda-runtime-aws-request-id",
                HeaderValue::from_str(&id).unwrap(),
            );
            headers.insert(
                "lambda-runtime-deadline-ms",
                HeaderValue::from_str(&deadline.to_string()).unwrap(),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                HeaderValue::from_static(
                    "arn:aws:lambda:us-east-1:123456789012:function:under-test",
                ),
            );
            return (StatusCode::OK, headers, event.to_string()).into_response();
        }
        notified.await;
    }
}

fn record(inner: &Inner, id: String, answer: Answer) -> Response {
    inner
        .answered_at
        .lock()
        .unwrap()
        .insert(id.clone(), Instant::now());
    inner.answers.lock().unwrap().insert(id, answer);
    inner.answered.notify_waiters();
    StatusCode::ACCEPTED.into_response()
}

async fn response(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&inner, id, Answer::Response(value))
}

async fn error(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&inner, id, Answer::Error(value))
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    record(&inner, "init".into(), Answer::Error(value))
}

impl RuntimeApi {
    /// Starts the stand-in on a free loopback port.
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            inner,
            address,
            server,
        }
    }

    /// Queues an invocation of `event` under `id`.
    pub fn invoke(&self, id: &str, event: Value) {
        self.inner
            .pending
            .lock()
            .unwrap()
            .push_back((id.to_owned(), event));
        self.inner.queued.notify_waiters();
    }

    /// Waits (up to `limit`) for the answer of invocation `id`.
    pub async fn answer(&self, id: &str, limit: Duration) -> Answer {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let answered = self.inner.answered.notified();
            if let Some(answer) = self.inner.answers.lock().unwrap().get(id).cloned() {
                return answer;
            }
            if tokio::time::timeout_at(deadline, answered).await.is_err() {
                panic!("no answer to invocation {id} within {limit:?}");
            }
        }
    }

    /// When the function first asked for an invocation (`GET /next`), if it has.
    pub fn first_next(&self) -> Option<Instant> {
        *self.inner.first_next.lock().unwrap()
    }

    /// When the answer of invocation `id` arrived, if it has.
    pub fn answered_at(&self, id: &str) -> Option<Instant> {
        self.inner.answered_at.lock().unwrap().get(id).copied()
    }
}

/// An API Gateway REST (v1) proxy event of `GET /loyalty` on stage `dev`, with `authorization` as its
/// `Authorization` header when given: what the API functions receive through the Runtime API.
pub fn get_loyalty_event(authorization: Option<&str>) -> Value {
    let (headers, multi) = match authorization {
        Some(value) => (
            serde_json::json!({"Authorization": value}),
            serde_json::json!({"Authorization": [value]}),
        ),
        None => (serde_json::json!({}), serde_json::json!({})),
    };
    serde_json::json!({
        "resource": "/loyalty", "path": "/loyalty", "httpMethod": "GET",
        "headers": headers, "multiValueHeaders": multi,
        "queryStringParameters": null, "multiValueQueryStringParameters": null, "pathParameters": null,
        "stageVariables": null,
        "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "dev", "requestId": "q",
                           "identity": {"sourceIp": "127.0.0.1"}, "resourcePath": "/loyalty", "httpMethod": "GET",
                           "apiId": "api", "path": "/dev/loyalty", "protocol": "HTTP/1.1"},
        "body": null, "isBase64Encoded": false
    })
}
