//! `loyalty.tierUpgraded.v1` (behaviour keep-events-tier): published by the tier workflow with the callback id to
//! acknowledge.

use serde_json::{Value, json};

use crate::core::outgoing::{DOMAIN, OutgoingEvent, TIER_UPGRADED_V1};
use crate::tier_workflow::tier::Tier;

/// How many search results the event carries.
pub const MAX_RECOMMENDATIONS: usize = 3;

/// The facts of one upgrade notification.
#[derive(Debug, Clone, PartialEq)]
pub struct TierUpgraded<'a> {
    /// The deployment environment, for `Source` and the CloudEvent `source` (`<ENV>.loyalty`).
    pub env: &'a str,
    /// The CloudEvent id.
    pub event_id: &'a str,
    /// The publish time (also `upgradedAt`, as the original), ISO-8601 with milliseconds.
    pub time: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The tier before.
    pub previous_tier: Tier,
    /// The tier after.
    pub new_tier: Tier,
    /// `totalPoints` of the triggering event.
    pub current_points: i64,
    /// The product search results; the first three are sent untouched.
    pub recommendations: &'a [Value],
    /// The durable-execution callback id the acknowledger completes.
    pub callback_id: &'a str,
    /// The W3C trace context of the publishing span (also in the `_datadog` carrier, as the original).
    pub traceparent: Option<&'a str>,
}

impl TierUpgraded<'_> {
    /// The PutEvents entry.
    pub fn event(&self) -> OutgoingEvent {
        let source = format!("{}.{DOMAIN}", self.env);
        let recommendations: Vec<&Value> = self
            .recommendations
            .iter()
            .take(MAX_RECOMMENDATIONS)
            .collect();
        let mut detail = json!({
            "id": self.event_id,
            "time": self.time,
            "type": TIER_UPGRADED_V1,
            "source": source,
            "specversion": "1.0",
            "datacontenttype": "application/json",
            "data": {
                "userId": self.user_id,
                "previousTier": self.previous_tier.name(),
                "newTier": self.new_tier.name(),
                "currentPoints": self.current_points,
                "upgradedAt": self.time,
                "recommendations": recommendations,
                "callbackId": self.callback_id,
            },
        });
        if let (Some(traceparent), Some(fields)) = (self.traceparent, detail.as_object_mut()) {
            fields.insert("traceparent".into(), json!(traceparent));
            fields.insert("_datadog".into(), json!({"traceparent": traceparent}));
        }
        OutgoingEvent {
            source,
            detail_type: TIER_UPGRADED_V1.to_owned(),
            detail: detail.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_has_the_env_source_the_first_three_recommendations_and_the_callback_id() {
        let products: Vec<Value> = (1..=4)
            .map(|i| json!({"productId": format!("p{i}"), "name": "Latte", "price": 4.99, "stockLevel": 12}))
            .collect();
        let event = TierUpgraded {
            env: "dev",
            event_id: "e1",
            time: "2026-03-09T08:35:50.001Z",
            user_id: "u1",
            previous_tier: Tier::Bronze,
            new_tier: Tier::Silver,
            current_points: 500,
            recommendations: &products,
            callback_id: "cb-1",
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        }
        .event();
        assert_eq!(
            (event.source.as_str(), event.detail_type.as_str()),
            ("dev.loyalty", "loyalty.tierUpgraded.v1")
        );
        let detail: Value = serde_json::from_str(&event.detail).unwrap();
        assert_eq!(detail["source"], "dev.loyalty");
        let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert_eq!(detail["traceparent"], traceparent);
        assert_eq!(detail["_datadog"], json!({"traceparent": traceparent}));
        assert_eq!(
            detail["data"],
            json!({"userId":"u1","previousTier":"Bronze","newTier":"Silver","currentPoints":500,
                   "upgradedAt":"2026-03-09T08:35:50.001Z","recommendations":products[..3],"callbackId":"cb-1"})
        );
    }
}
