//! The service's HTTP surface as the tests use it: `GET`/`POST /loyalty` and EventBridge `PutEvents` at `POST /`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, Url};
use serde_json::Value;

use crate::events::{PutEntry, PutEventsOutcome, put_events_body};
use crate::http::{HttpResponse, loopback_client};
use crate::wait::wait_until;

/// A response of the loyalty API.
pub type ApiResponse = HttpResponse;

/// How long the tests wait for an event to show in a balance.
pub const EVENT_DEADLINE: Duration = Duration::from_secs(15);

/// A client of one running service; clones share its keep-alive connections.
#[derive(Debug, Clone)]
pub struct LoyaltyApi {
    client: reqwest::Client,
    base: String,
    loyalty: Url,
    put_events: Url,
}

impl LoyaltyApi {
    /// A client of the service at `addr`.
    pub fn new(addr: SocketAddr) -> anyhow::Result<Self> {
        let base = format!("http://{addr}");
        Ok(Self {
            client: loopback_client()?,
            loyalty: Url::parse(&format!("{base}/loyalty"))?,
            put_events: Url::parse(&format!("{base}/"))?,
            base,
        })
    }

    /// A request for `path` (path and query), for the cases the helpers below do not cover; send it with
    /// [`Self::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// Sends a request made with [`Self::request`] and reads the whole response.
    pub async fn send(&self, request: RequestBuilder) -> anyhow::Result<ApiResponse> {
        HttpResponse::send(request).await
    }

    /// `GET /loyalty` with the given `Authorization` header value (or none).
    pub async fn get_loyalty(&self, authorization: Option<&str>) -> anyhow::Result<ApiResponse> {
        let mut request = self.client.get(self.loyalty.clone());
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        self.send(request).await
    }

    /// `POST /loyalty` with a bearer token, a raw body (or none) and an optional `Idempotency-Key`.
    pub async fn spend_raw(
        &self,
        token: &str,
        body: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<ApiResponse> {
        let mut request = self
            .client
            .post(self.loyalty.clone())
            .header(AUTHORIZATION, format!("Bearer {token}"));
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_owned());
        }
        self.send(request).await
    }

    /// `POST /loyalty` spending `points`.
    pub async fn spend(&self, token: &str, points: i64) -> anyhow::Result<ApiResponse> {
        self.spend_raw(token, Some(&format!("{{\"points\":{points}}}")), None)
            .await
    }

    /// The balance: `Some(points)` on 200, `None` on 404; anything else is an error.
    pub async fn balance(&self, token: &str) -> anyhow::Result<Option<i64>> {
        let response = self.get_loyalty(Some(&format!("Bearer {token}"))).await?;
        match response.status {
            200 => {
                let body = response.json()?;
                let points = body["data"]["currentPoints"]
                    .as_i64()
                    .with_context(|| format!("currentPoints is not an integer in {body}"))?;
                Ok(Some(points))
            }
            404 => Ok(None),
            status => anyhow::bail!("GET /loyalty answered {status}: {}", response.text()),
        }
    }

    /// Waits until the balance of the token's user is `expected`.
    pub async fn wait_for_balance(
        &self,
        token: &str,
        expected: i64,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        wait_until(&format!("balance {expected}"), timeout, || async move {
            Ok(match self.balance(token).await? {
                Some(points) if points == expected => Ok(()),
                other => Err(format!("{other:?}")),
            })
        })
        .await
    }

    /// `PutEvents` with a raw body and the AWS JSON 1.1 headers.
    pub async fn put_events_raw(&self, body: &str) -> anyhow::Result<ApiResponse> {
        let request = self
            .client
            .post(self.put_events.clone())
            .header("X-Amz-Target", "AWSEvents.PutEvents")
            .header(CONTENT_TYPE, "application/x-amz-json-1.1")
            .body(body.to_owned());
        self.send(request).await
    }

    /// `PutEvents` with `entries`; a non-200 answer is an error.
    pub async fn put_events(&self, entries: &[PutEntry]) -> anyhow::Result<PutEventsOutcome> {
        let response = self.put_events_raw(&put_events_body(entries)).await?;
        anyhow::ensure!(
            response.status == 200,
            "PutEvents answered {}: {}",
            response.status,
            response.text()
        );
        PutEventsOutcome::parse(&response.json()?)
    }

    /// `PutEvents` that must accept every entry; returns the event ids.
    pub async fn publish(&self, entries: &[PutEntry]) -> anyhow::Result<Vec<String>> {
        self.put_events(entries).await?.event_ids()
    }
}

/// Parses a JSON value that may be given either as a JSON document in a string or inline.
pub fn json_document(value: &Value) -> anyhow::Result<Value> {
    match value {
        Value::String(text) => {
            serde_json::from_str(text).with_context(|| format!("not a JSON document: {text}"))
        }
        other => Ok(other.clone()),
    }
}

/// Which queue a marker event goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerEvent {
    /// A `users.userCreated.v1` for a fresh user (expects 100).
    UserCreated,
    /// An `orders.orderCompleted.v1` for a fresh user (expects 50).
    OrderCompletedV1,
    /// An `orders.orderCompleted.v2` for a fresh user (expects 50).
    OrderCompletedV2,
}

impl LoyaltyApi {
    /// Publishes a marker event for a fresh user after the events under test and waits until it is credited.
    ///
    /// Messages of one queue are received in order, so once a marker sent later is credited, the events sent before
    /// it through the same queue have been received too: a test can then assert that a duplicate added nothing,
    /// without a fixed sleep.
    pub async fn wait_behind_marker(
        &self,
        jwt_secret: &str,
        marker: MarkerEvent,
    ) -> anyhow::Result<()> {
        let user = crate::fresh_user_id("marker");
        let order = crate::fresh_user_id("marker-order");
        let (entry, expected) = match marker {
            MarkerEvent::UserCreated => (PutEntry::user_created(&user), 100),
            MarkerEvent::OrderCompletedV1 => (PutEntry::order_completed_v1(&user, &order), 50),
            MarkerEvent::OrderCompletedV2 => (PutEntry::order_completed_v2(&user, &order), 50),
        };
        self.publish(&[entry]).await?;
        self.wait_for_balance(
            &crate::jwt::token_for(jwt_secret, &user),
            expected,
            EVENT_DEADLINE,
        )
        .await
    }
}
