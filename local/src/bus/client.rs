//! A `PutEvents` client over HTTP (AWS JSON 1.1; SigV4-signed when given credentials): `loyalty-local publish` uses
//! it against a running server, and it is an [`EventPublisher`] whose `FailedEntryCount` is checked (behaviour F9).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::bus::LOCAL_REGION;
use crate::bus::sigv4::{Credentials, sign};
use crate::bus::wire::{AMZ_JSON, EntryResult, PUT_EVENTS_TARGET, rejected_entries};
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::ports::{EventPublisher, PublishError};

/// An EventBridge endpoint and the bus to put events on.
#[derive(Debug, Clone)]
pub struct EventBridgeClient {
    http: reqwest::Client,
    endpoint: String,
    bus_name: String,
    credentials: Option<Credentials>,
}

impl EventBridgeClient {
    /// A client of `endpoint` (e.g. `http://127.0.0.1:8080`) putting events on `bus_name`.
    pub fn new(endpoint: &str, bus_name: &str) -> Result<Self, PublishError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PublishError::Unavailable(e.to_string()))?;
        Ok(Self {
            http,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            bus_name: bus_name.to_owned(),
            credentials: None,
        })
    }

    /// The same client signing every call with `credentials` (SigV4, region `us-east-1`), for an endpoint that
    /// requires signatures.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The headers of one call: the protocol's, and the signature's when the client has credentials.
    fn headers(&self, url: &reqwest::Url, body: &[u8]) -> Result<HeaderMap, PublishError> {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_static(PUT_EVENTS_TARGET));
        headers.insert("content-type", HeaderValue::from_static(AMZ_JSON));
        let Some(credentials) = &self.credentials else {
            return Ok(headers);
        };
        // The host as the HTTP client sends it: the port only when it is not the scheme's default.
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(PublishError::Unavailable(format!("no host in {url}"))),
        };
        let host =
            HeaderValue::from_str(&host).map_err(|e| PublishError::Unavailable(e.to_string()))?;
        headers.insert("host", host);
        sign(
            credentials,
            LOCAL_REGION,
            url.path(),
            &mut headers,
            body,
            std::time::SystemTime::now(),
        )
        .map_err(PublishError::Unavailable)?;
        Ok(headers)
    }

    /// Sends one `PutEvents` call and returns every entry's result.
    pub async fn put_events(
        &self,
        events: &[OutgoingEvent],
    ) -> Result<Vec<EntryResult>, PublishError> {
        let entries: Vec<Value> = events
            .iter()
            .map(|e| {
                json!({"Source": e.source, "DetailType": e.detail_type, "Detail": e.detail, "EventBusName": self.bus_name})
            })
            .collect();
        let url = reqwest::Url::parse(&format!("{}/", self.endpoint))
            .map_err(|e| PublishError::Unavailable(format!("{}: {e}", self.endpoint)))?;
        let body = json!({"Entries": entries}).to_string();
        let headers = self.headers(&url, body.as_bytes())?;
        let response = self
            .http
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| PublishError::Unavailable(format!("{}: {e}", self.endpoint)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| PublishError::Unavailable(e.to_string()))?;
        if !status.is_success() {
            return Err(PublishError::Unavailable(format!(
                "PutEvents answered {status}: {text}"
            )));
        }
        parse_response(&text)
    }
}

fn parse_response(text: &str) -> Result<Vec<EntryResult>, PublishError> {
    let invalid = || PublishError::Unavailable(format!("unexpected PutEvents response: {text}"));
    let body: Value = serde_json::from_str(text).map_err(|_| invalid())?;
    let entries = body
        .get("Entries")
        .and_then(Value::as_array)
        .ok_or_else(invalid)?;
    entries
        .iter()
        .map(
            |entry| match (entry.get("EventId"), entry.get("ErrorCode")) {
                (Some(Value::String(id)), _) => Ok(EntryResult::Accepted {
                    event_id: id.clone(),
                }),
                (_, Some(Value::String(code))) => Ok(EntryResult::Failed {
                    error_code: code.clone(),
                    error_message: entry
                        .get("ErrorMessage")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                }),
                _ => Err(invalid()),
            },
        )
        .collect()
}

impl EventPublisher for EventBridgeClient {
    async fn publish(&self, events: &[OutgoingEvent]) -> Result<(), PublishError> {
        rejected_entries(&self.put_events(events).await?)
    }
}
