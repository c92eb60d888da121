//! CloudEvents 1.0 (structured JSON) as the real producers send them, and the EventBridge envelope around them.
//!
//! Tolerant on purpose (behaviour keep-events): `time` may be an epoch-milliseconds string, `source` a URI or a bare
//! word, `traceparent` null or absent, any extra extension attribute and a `_datadog` carrier may be present.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::core::error::DomainError;
use crate::core::time_format::parse_event_time_ms;

/// A received CloudEvent. Only `type` is required; everything else is read if present.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CloudEvent {
    /// `specversion`, normally `1.0`.
    #[serde(default)]
    pub specversion: Option<String>,
    /// The producer's event id.
    #[serde(default)]
    pub id: Option<Value>,
    /// `source`: `dev.users`, `http://dev.orders`, `loyalty`, ...
    #[serde(default)]
    pub source: Option<String>,
    /// The event type, e.g. `orders.orderCompleted.v2`; matched exactly.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `time` as sent: RFC 3339 or epoch milliseconds (string or number).
    #[serde(default)]
    pub time: Option<Value>,
    /// `datacontenttype`.
    #[serde(default)]
    pub datacontenttype: Option<String>,
    /// W3C trace context of the producer; may be null (kept as sent: observability data never fails a parse,
    /// behaviour F16).
    #[serde(default)]
    pub traceparent: Option<Value>,
    /// The payload.
    #[serde(default)]
    pub data: Option<Value>,
    /// The Datadog carrier, if any (kept as sent: a malformed carrier never fails a parse, behaviour F16).
    #[serde(default, rename = "_datadog")]
    pub datadog: Option<Value>,
    /// Every other attribute (`publishdatetime`, `eventid`, `supercededby`, `deprecationdate`, ...).
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

impl CloudEvent {
    /// Parses a CloudEvent from a JSON value (an EventBridge `detail`).
    pub fn from_value(value: Value) -> Result<Self, DomainError> {
        if !value.is_object() {
            return Err(DomainError::InvalidEvent(
                "detail is not a JSON object".into(),
            ));
        }
        if !matches!(value.get("type"), Some(Value::String(_))) {
            return Err(DomainError::InvalidEvent(
                "detail has no string `type`".into(),
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| DomainError::InvalidEvent(format!("detail is not a CloudEvent: {e}")))
    }

    /// The publish time in epoch milliseconds, when `time` is RFC 3339 or epoch milliseconds.
    pub fn time_ms(&self) -> Option<i64> {
        match self.time.as_ref()? {
            Value::String(text) => parse_event_time_ms(text),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The `traceparent` when it is a string.
    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_ref().and_then(Value::as_str)
    }

    /// A string extension attribute (e.g. `deprecationdate`), if present.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions.get(name).and_then(Value::as_str)
    }
}

/// The EventBridge event as delivered in an SQS message body (`{"version":"0","id",...,"detail":{...}}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventBridgeEnvelope {
    /// The EventBridge event id.
    #[serde(default)]
    pub id: Option<String>,
    /// `detail-type`.
    #[serde(default, rename = "detail-type")]
    pub detail_type: Option<String>,
    /// EventBridge `source` (`<ENV>.orders`).
    #[serde(default)]
    pub source: Option<String>,
    /// The detail: a CloudEvent.
    #[serde(default)]
    pub detail: Option<Value>,
}

impl EventBridgeEnvelope {
    /// Parses an SQS message body.
    pub fn from_body(body: &str) -> Result<Self, DomainError> {
        serde_json::from_str(body).map_err(|e| DomainError::MalformedJson(e.to_string()))
    }

    /// The CloudEvent in `detail`.
    pub fn cloud_event(&self) -> Result<CloudEvent, DomainError> {
        let detail = self.detail.clone().ok_or_else(|| {
            DomainError::InvalidEvent("the EventBridge event has no detail".into())
        })?;
        CloudEvent::from_value(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_management_event_with_epoch_millis_and_null_traceparent_parses() {
        let event = CloudEvent::from_value(json!({
            "specversion":"1.0","id":"0b6b","source":"dev.users","type":"users.userCreated.v1",
            "time":"1718000000000","datacontenttype":"application/json","traceparent":null,
            "data":{"userId":"11583474239476139124"}
        }))
        .unwrap();
        assert_eq!(event.event_type, "users.userCreated.v1");
        assert_eq!(event.traceparent(), None);
        assert_eq!(event.time_ms(), Some(1_718_000_000_000));
        assert_eq!(event.data, Some(json!({"userId":"11583474239476139124"})));
    }

    #[test]
    fn an_order_service_event_with_uri_source_extensions_and_datadog_parses() {
        let event = CloudEvent::from_value(json!({
            "specversion":"1.0","id":"5f1e","source":"http://dev.orders","type":"orders.orderCompleted.v1",
            "time":"2026-03-09T08:35:45.1234567Z","datacontenttype":"application/json",
            "publishdatetime":"2026-03-09T08:35:45Z","eventid":"5f1e","supercededby":"orders.orderCompleted.v2",
            "deprecationdate":"2025-12-01T00:00:00.0000000","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "_datadog":{"x-datadog-trace-id":"1","dd-pathway-ctx-base64":"AAAA"},
            "data":{"orderNumber":"ORD-1","userId":"u1"}
        }))
        .unwrap();
        assert_eq!(event.source.as_deref(), Some("http://dev.orders"));
        assert_eq!(
            event.extension("deprecationdate"),
            Some("2025-12-01T00:00:00.0000000")
        );
        assert_eq!(
            event.extension("supercededby"),
            Some("orders.orderCompleted.v2")
        );
        assert_eq!(
            event.datadog.as_ref().unwrap().as_object().unwrap().len(),
            2
        );
        assert_eq!(event.time_ms(), Some(1_773_045_345_123));
    }

    #[test]
    fn a_detail_without_type_is_an_invalid_event() {
        assert_eq!(
            CloudEvent::from_value(json!({"data":{}})),
            Err(DomainError::InvalidEvent(
                "detail has no string `type`".into()
            ))
        );
        assert!(matches!(
            EventBridgeEnvelope::from_body("{nope"),
            Err(DomainError::MalformedJson(_))
        ));
    }
}
