//! The events this service publishes for balance changes (behaviour keep-events-points, F8).

use serde::Serialize;
use serde_json::{Value, json};

use crate::core::account::BalanceChange;

/// `loyalty.pointsAdded.v1` (deprecated, still published).
pub const POINTS_ADDED_V1: &str = "loyalty.pointsAdded.v1";
/// `loyalty.pointsAdded.v2`.
pub const POINTS_ADDED_V2: &str = "loyalty.pointsAdded.v2";
/// `loyalty.pointsSpent.v1` (new, behaviour F8).
pub const POINTS_SPENT_V1: &str = "loyalty.pointsSpent.v1";
/// `loyalty.tierUpgraded.v1`.
pub const TIER_UPGRADED_V1: &str = "loyalty.tierUpgraded.v1";
/// The CloudEvent `source` of the points events (env `DOMAIN`, as the original).
pub const DOMAIN: &str = "loyalty";
/// `deprecationdate` of `loyalty.pointsAdded.v1`.
pub const POINTS_ADDED_V1_DEPRECATION_DATE: &str = "2025-12-31T00:00:00.000Z";

/// One event to put on the bus: EventBridge `Source`, `DetailType` and the `Detail` JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// EventBridge `Source`, `<ENV>.loyalty`.
    pub source: String,
    /// EventBridge `DetailType` (= the CloudEvent type).
    pub detail_type: String,
    /// The CloudEvent, serialised.
    pub detail: String,
}

/// What the caller supplies that is not pure: ids, clock and trace context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishContext {
    /// The deployment environment (`dev`, ...), for the EventBridge `Source`.
    pub env: String,
    /// The CloudEvent id, shared by the v1/v2 pair as in the original.
    pub event_id: String,
    /// The publish time, ISO-8601 with milliseconds.
    pub time: String,
    /// The W3C trace context to attach, if any.
    pub traceparent: Option<String>,
}

// Field order follows the original's serialiser: id, time, type, source, specversion, datacontenttype, data,
// extensions, _datadog.
#[derive(Serialize)]
struct Detail<'a> {
    id: &'a str,
    time: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    source: &'a str,
    specversion: &'a str,
    datacontenttype: &'a str,
    data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    traceparent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deprecationdate: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supercededby: Option<&'a str>,
    #[serde(rename = "_datadog", skip_serializing_if = "Option::is_none")]
    datadog: Option<Value>,
}

fn event(
    context: &PublishContext,
    event_type: &str,
    data: Value,
    deprecated: Option<(&str, &str)>,
) -> OutgoingEvent {
    let traceparent = context.traceparent.as_deref();
    let detail = Detail {
        id: &context.event_id,
        time: &context.time,
        event_type,
        source: DOMAIN,
        specversion: "1.0",
        datacontenttype: "application/json",
        data,
        traceparent,
        deprecationdate: deprecated.map(|(date, _)| date),
        supercededby: deprecated.map(|(_, by)| by),
        datadog: traceparent.map(|tp| json!({"traceparent": tp})),
    };
    OutgoingEvent {
        source: format!("{}.{DOMAIN}", context.env),
        detail_type: event_type.to_owned(),
        // Serialising a struct of strings and JSON values cannot fail.
        detail: serde_json::to_string(&detail).unwrap_or_default(),
    }
}

/// The events for one balance change (behaviour F8): an increase gives `pointsAdded.v1` + `.v2` (v1 first), a decrease
/// gives `pointsSpent.v1`, no change gives nothing. `difference` is the real `new - old`.
pub fn balance_change_events(
    change: &BalanceChange,
    context: &PublishContext,
) -> Vec<OutgoingEvent> {
    let difference = change.difference();
    let (user_id, total) = (change.user_id.as_str(), change.new_points);
    match difference {
        0 => Vec::new(),
        d if d > 0 => vec![
            event(
                context,
                POINTS_ADDED_V1,
                json!({"newPointsTotal": total, "userId": user_id}),
                Some((POINTS_ADDED_V1_DEPRECATION_DATE, POINTS_ADDED_V2)),
            ),
            event(
                context,
                POINTS_ADDED_V2,
                json!({"userId": user_id, "totalPoints": total, "difference": d}),
                None,
            ),
        ],
        d => vec![event(
            context,
            POINTS_SPENT_V1,
            json!({"userId": user_id, "totalPoints": total, "difference": d}),
            None,
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> PublishContext {
        PublishContext {
            env: "dev".into(),
            event_id: "7d0c".into(),
            time: "2026-03-09T08:35:45.123Z".into(),
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
        }
    }

    fn change(old: Option<i64>, new: i64) -> BalanceChange {
        BalanceChange {
            user_id: "u1".into(),
            old_points: old,
            new_points: new,
            expected_version: 1,
            new_version: 2,
        }
    }

    #[test]
    fn an_increase_publishes_points_added_v1_then_v2_with_the_real_difference() {
        let events = balance_change_events(&change(Some(50), 150), &context());
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].source.as_str(), events[0].detail_type.as_str()),
            ("dev.loyalty", POINTS_ADDED_V1)
        );
        assert_eq!(
            events[0].detail,
            r#"{"id":"7d0c","time":"2026-03-09T08:35:45.123Z","type":"loyalty.pointsAdded.v1","source":"loyalty","specversion":"1.0","datacontenttype":"application/json","data":{"newPointsTotal":150,"userId":"u1"},"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","deprecationdate":"2025-12-31T00:00:00.000Z","supercededby":"loyalty.pointsAdded.v2","_datadog":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}"#
        );
        let v2: Value = serde_json::from_str(&events[1].detail).unwrap();
        assert_eq!(v2["type"], POINTS_ADDED_V2);
        assert_eq!(v2["id"], "7d0c");
        assert_eq!(
            v2["data"],
            json!({"userId":"u1","totalPoints":150,"difference":100})
        );
        assert_eq!(v2.get("supercededby"), None);
    }

    #[test]
    fn a_new_account_counts_from_zero_and_a_decrease_publishes_points_spent() {
        let created = balance_change_events(&change(None, 100), &context());
        let v2: Value = serde_json::from_str(&created[1].detail).unwrap();
        assert_eq!(v2["data"]["difference"], 100);

        let spent = balance_change_events(&change(Some(150), 120), &context());
        assert_eq!(spent.len(), 1);
        let detail: Value = serde_json::from_str(&spent[0].detail).unwrap();
        assert_eq!(spent[0].detail_type, POINTS_SPENT_V1);
        assert_eq!(
            detail["data"],
            json!({"userId":"u1","totalPoints":120,"difference":-30})
        );
    }

    #[test]
    fn no_change_publishes_nothing_and_no_traceparent_omits_the_carrier() {
        assert!(balance_change_events(&change(Some(150), 150), &context()).is_empty());
        let plain = PublishContext {
            traceparent: None,
            ..context()
        };
        let detail: Value =
            serde_json::from_str(&balance_change_events(&change(None, 50), &plain)[1].detail)
                .unwrap();
        assert_eq!(detail.get("traceparent"), None);
        assert_eq!(detail.get("_datadog"), None);
    }
}
