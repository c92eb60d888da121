//! Events shaped exactly as the real producers send them (behaviour keep-events-consumed), for `loyalty-local publish`.

use serde_json::{Value, json};

use crate::core::outgoing::OutgoingEvent;
use crate::core::time_format::iso_millis;
use crate::use_cases::publish_change::new_traceparent;

/// `users.userCreated.v1` as the User Management service (Rust) sends it: epoch-ms `time`, null `traceparent`.
pub fn user_created(env: &str, user_id: &str, now_ms: i64) -> OutgoingEvent {
    let source = format!("{env}.users");
    let detail = json!({
        "specversion": "1.0",
        "id": uuid::Uuid::new_v4().to_string(),
        "source": source,
        "type": "users.userCreated.v1",
        "time": now_ms.to_string(),
        "datacontenttype": "application/json",
        "traceparent": Value::Null,
        "data": {"userId": user_id},
    });
    OutgoingEvent {
        source,
        detail_type: "users.userCreated.v1".into(),
        detail: detail.to_string(),
    }
}

/// `orders.orderCompleted.v1` (or `.v2`) as the Order Service (.NET) sends it: URI `source`, extension attributes,
/// a `_datadog` carrier; v1 carries `orderNumber` and its deprecation attributes, v2 carries `orderId`.
pub fn order_completed(
    env: &str,
    user_id: &str,
    order_id: &str,
    v2: bool,
    now_ms: i64,
) -> OutgoingEvent {
    let event_type = if v2 {
        "orders.orderCompleted.v2"
    } else {
        "orders.orderCompleted.v1"
    };
    let id = uuid::Uuid::new_v4().to_string();
    let time = iso_millis(now_ms);
    let traceparent = new_traceparent();
    let mut detail = json!({
        "specversion": "1.0",
        "id": id,
        "source": format!("http://{env}.orders"),
        "type": event_type,
        "time": time,
        "datacontenttype": "application/json",
        "publishdatetime": time,
        "eventid": id,
        "traceparent": traceparent,
        "_datadog": {"traceparent": traceparent, "dd-pathway-ctx-base64": ""},
        "data": if v2 {
            json!({"orderId": order_id, "userId": user_id})
        } else {
            json!({"orderNumber": order_id, "userId": user_id})
        },
    });
    if !v2 && let Some(object) = detail.as_object_mut() {
        object.insert("supercededby".into(), json!("orders.orderCompleted.v2"));
        object.insert(
            "deprecationdate".into(),
            json!("2025-12-01T00:00:00.0000000"),
        );
    }
    OutgoingEvent {
        source: format!("{env}.orders"),
        detail_type: event_type.into(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_events_carry_the_producers_shapes() {
        let v1 = order_completed("dev", "u1", "o1", false, 0);
        let detail: Value = serde_json::from_str(&v1.detail).unwrap();
        assert_eq!(
            (v1.source.as_str(), v1.detail_type.as_str()),
            ("dev.orders", "orders.orderCompleted.v1")
        );
        assert_eq!(detail["source"], "http://dev.orders");
        assert_eq!(detail["data"], json!({"orderNumber":"o1","userId":"u1"}));
        assert_eq!(detail["supercededby"], "orders.orderCompleted.v2");
        let v2: Value =
            serde_json::from_str(&order_completed("dev", "u1", "o1", true, 0).detail).unwrap();
        assert_eq!(v2["data"], json!({"orderId":"o1","userId":"u1"}));
        assert_eq!(v2.get("deprecationdate"), None);
        let created: Value =
            serde_json::from_str(&user_created("dev", "u1", 1_718_000_000_000).detail).unwrap();
        assert_eq!(
            (created["time"].as_str(), created["traceparent"].is_null()),
            (Some("1718000000000"), true)
        );
    }
}
