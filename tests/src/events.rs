//! Events as the real producers send them (behaviour keep-events-consumed), and the EventBridge `PutEvents` call that
//! carries them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The bus of the `dev` environment.
pub const BUS_NAME: &str = "LoyaltyService-bus-dev";
/// `DetailType` of a user registration.
pub const USER_CREATED: &str = "users.userCreated.v1";
/// `DetailType` of a completed order, version 1 (`orderNumber`).
pub const ORDER_COMPLETED_V1: &str = "orders.orderCompleted.v1";
/// `DetailType` of a completed order, version 2 (`orderId`).
pub const ORDER_COMPLETED_V2: &str = "orders.orderCompleted.v2";

/// One `PutEvents` entry.
#[derive(Debug, Clone)]
pub struct PutEntry {
    /// EventBridge `Source`.
    pub source: String,
    /// EventBridge `DetailType`.
    pub detail_type: String,
    /// EventBridge `Detail`: a JSON document as a string (may be deliberately malformed).
    pub detail: String,
}

impl PutEntry {
    /// The entry as EventBridge's JSON protocol spells it.
    pub fn to_json(&self) -> Value {
        json!({"Source": self.source, "DetailType": self.detail_type, "Detail": self.detail, "EventBusName": BUS_NAME})
    }

    /// `users.userCreated.v1` for `user_id`, as the Rust user management service sends it.
    pub fn user_created(user_id: &str) -> Self {
        Self::from_event(
            "dev.users",
            USER_CREATED,
            &CloudEventBuilder::user_created(user_id).build(),
        )
    }

    /// `orders.orderCompleted.v1` (`orderNumber`), as the .NET order service sends it.
    pub fn order_completed_v1(user_id: &str, order_id: &str) -> Self {
        Self::from_event(
            "dev.orders",
            ORDER_COMPLETED_V1,
            &CloudEventBuilder::order_completed_v1(user_id, order_id).build(),
        )
    }

    /// `orders.orderCompleted.v2` (`orderId`), as the .NET order service sends it.
    pub fn order_completed_v2(user_id: &str, order_id: &str) -> Self {
        Self::from_event(
            "dev.orders",
            ORDER_COMPLETED_V2,
            &CloudEventBuilder::order_completed_v2(user_id, order_id).build(),
        )
    }

    /// An entry whose detail is the given CloudEvent.
    pub fn from_event(source: &str, detail_type: &str, detail: &Value) -> Self {
        Self {
            source: source.to_owned(),
            detail_type: detail_type.to_owned(),
            detail: detail.to_string(),
        }
    }
}

/// Builds CloudEvents 1.0 (structured JSON) the way each producer shapes them.
#[derive(Debug, Clone)]
pub struct CloudEventBuilder {
    event: Value,
}

impl CloudEventBuilder {
    /// User management (Rust): epoch-millisecond `time` string, `source` `dev.users`, `traceparent` null, no
    /// `_datadog`.
    pub fn user_created(user_id: &str) -> Self {
        Self {
            event: json!({
                "specversion": "1.0",
                "id": uuid::Uuid::new_v4().to_string(),
                "source": "dev.users",
                "type": USER_CREATED,
                "time": epoch_millis().to_string(),
                "datacontenttype": "application/json",
                "traceparent": null,
                "data": {"userId": user_id},
            }),
        }
    }

    /// Order service (.NET) v1: deprecated, with `supercededby`, a zone-less `deprecationdate` and extensions.
    pub fn order_completed_v1(user_id: &str, order_id: &str) -> Self {
        let mut builder = Self::order_event(
            ORDER_COMPLETED_V1,
            json!({"orderNumber": order_id, "userId": user_id}),
        );
        builder.set("supercededby", json!(ORDER_COMPLETED_V2));
        builder.set("deprecationdate", json!("2025-12-01T00:00:00.0000000"));
        builder
    }

    /// Order service (.NET) v2.
    pub fn order_completed_v2(user_id: &str, order_id: &str) -> Self {
        Self::order_event(
            ORDER_COMPLETED_V2,
            json!({"orderId": order_id, "userId": user_id}),
        )
    }

    fn order_event(event_type: &str, data: Value) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        Self {
            event: json!({
                "specversion": "1.0",
                "id": id,
                "source": "http://dev.orders",
                "type": event_type,
                "time": "2026-11-24T10:15:30.1234567Z",
                "datacontenttype": "application/json",
                "publishdatetime": "2026-11-24T10:15:30.1234567Z",
                "eventid": id,
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "_datadog": {
                    "x-datadog-trace-id": "5208512171318403364",
                    "x-datadog-parent-id": "7180632917036707143",
                    "dd-pathway-ctx-base64": "AAAAAAAAAAA=",
                },
                "data": data,
            }),
        }
    }

    /// Sets (or replaces) an attribute.
    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        if let Some(object) = self.event.as_object_mut() {
            object.insert(key.to_owned(), value);
        }
        self
    }

    /// Removes an attribute.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        if let Some(object) = self.event.as_object_mut() {
            object.remove(key);
        }
        self
    }

    /// The CloudEvent JSON.
    pub fn build(&self) -> Value {
        self.event.clone()
    }
}

fn epoch_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis())
}

/// The body of a `PutEvents` call.
pub fn put_events_body(entries: &[PutEntry]) -> String {
    json!({"Entries": entries.iter().map(PutEntry::to_json).collect::<Vec<_>>()}).to_string()
}

/// What `PutEvents` answered.
#[derive(Debug, Clone)]
pub struct PutEventsOutcome {
    /// `FailedEntryCount`.
    pub failed_entry_count: u64,
    /// `Entries`, one per request entry, in order.
    pub entries: Vec<Value>,
}

impl PutEventsOutcome {
    /// Parses the JSON answer.
    pub fn parse(body: &Value) -> anyhow::Result<Self> {
        let failed_entry_count = body["FailedEntryCount"]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("no FailedEntryCount in {body}"))?;
        let entries = body["Entries"]
            .as_array()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no Entries in {body}"))?;
        Ok(Self {
            failed_entry_count,
            entries,
        })
    }

    /// The `EventId` of every entry, failing when any entry was rejected.
    pub fn event_ids(&self) -> anyhow::Result<Vec<String>> {
        anyhow::ensure!(
            self.failed_entry_count == 0,
            "PutEvents rejected entries: {:?}",
            self.entries
        );
        self.entries
            .iter()
            .map(|entry| {
                entry["EventId"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow::anyhow!("entry without EventId: {entry}"))
            })
            .collect()
    }
}
