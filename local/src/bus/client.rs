//! A `PutEvents` client over HTTP (AWS JSON 1.1, unsigned): `loyalty-local publish` uses it against a running
//! server, and it is an [`EventPublisher`] whose `FailedEntryCount` is checked (behaviour F9).

use std::time::Duration;

use serde_json::{Value, json};

use crate::bus::wire::{AMZ_JSON, EntryResult, PUT_EVENTS_TARGET, rejected_entries};
use loyalty_service::core::outgoing::OutgoingEvent;
use loyalty_service::ports::{EventPublisher, PublishError};

/// An EventBridge endpoint and the bus to put events on.
#[derive(Debug, Clone)]
pub struct EventBridgeClient {
    http: reqwest::Client,
    endpoint: String,
    bus_name: String,
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
        })
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
        let response = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("X-Amz-Target", PUT_EVENTS_TARGET)
            .header("Content-Type", AMZ_JSON)
            .body(json!({"Entries": entries}).to_string())
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
