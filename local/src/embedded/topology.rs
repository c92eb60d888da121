//! The deployed bus, rules and queues (behaviour keep-routing, with orderCompleted v2 routed: behaviour F5), named
//! once for the embedded mode.

/// The rule names and queue names of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The deployment environment (`ENV`, default `dev`).
    pub env: String,
    /// The service's bus, `LoyaltyService-bus-<ENV>`.
    pub bus_name: String,
    /// The rules, in evaluation order.
    pub rules: Vec<Rule>,
    /// The change stream's failure destination (behaviour F9).
    pub stream_failure_queue: String,
}

/// An EventBridge rule: exact `source` and one of the `detail-type`s -> a queue (with its DLQ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule name (Terraform's naming).
    pub name: String,
    /// The `source` pattern (one value).
    pub source: String,
    /// The `detail-type` pattern (any of these values).
    pub detail_types: Vec<String>,
    /// The target queue.
    pub queue: String,
    /// The queue's dead-letter queue.
    pub dead_letter_queue: String,
}

impl Rule {
    /// Whether an event matches this rule's pattern (exact string matching, as EventBridge).
    pub fn matches(&self, source: &str, detail_type: &str) -> bool {
        self.source == source && self.detail_types.iter().any(|t| t == detail_type)
    }
}

/// The UserCreated queue's logical name.
pub const USER_CREATED: &str = "UserCreated";
/// The OrderCompleted queue's logical name.
pub const ORDER_COMPLETED: &str = "OrderCompleted";
/// The TierUpgradeTrigger queue's logical name (consumed by the tier workflow's trigger).
pub const TIER_UPGRADE_TRIGGER: &str = "TierUpgradeTrigger";
/// The NotificationAcknowledger queue's logical name (consumed by the tier workflow's acknowledger).
pub const NOTIFICATION_ACKNOWLEDGER: &str = "NotificationAcknowledger";

impl Topology {
    /// The topology of environment `env`.
    pub fn for_env(env: &str) -> Self {
        let rule = |logical: &str, source_domain: &str, detail_types: &[&str]| Rule {
            name: format!("LoyaltyService_{logical}_Rule"),
            source: format!("{env}.{source_domain}"),
            detail_types: detail_types.iter().map(|t| (*t).to_owned()).collect(),
            queue: format!("LoyaltyService-{logical}-{env}"),
            dead_letter_queue: format!("LoyaltyService-{logical}DLQ-{env}"),
        };
        Self {
            env: env.to_owned(),
            bus_name: format!("LoyaltyService-bus-{env}"),
            rules: vec![
                rule(USER_CREATED, "users", &["users.userCreated.v1"]),
                rule(
                    ORDER_COMPLETED,
                    "orders",
                    &["orders.orderCompleted.v1", "orders.orderCompleted.v2"],
                ),
                rule(TIER_UPGRADE_TRIGGER, "loyalty", &["loyalty.pointsAdded.v2"]),
                rule(
                    NOTIFICATION_ACKNOWLEDGER,
                    "loyalty",
                    &["loyalty.tierUpgraded.v1"],
                ),
            ],
            stream_failure_queue: format!("LoyaltyService-LoyaltyPointsUpdatedFailureDLQ-{env}"),
        }
    }

    /// This topology without the tier workflow's two rules (TierUpgradeTrigger, NotificationAcknowledger): when
    /// the workflow is off nothing consumes their queues, which would otherwise fill forever.
    pub fn without_tier_workflow(mut self) -> Self {
        let tier_queues = [
            self.queue(TIER_UPGRADE_TRIGGER),
            self.queue(NOTIFICATION_ACKNOWLEDGER),
        ];
        self.rules.retain(|rule| !tier_queues.contains(&rule.queue));
        self
    }

    /// The queue name of a logical queue (`OrderCompleted` -> `LoyaltyService-OrderCompleted-dev`).
    pub fn queue(&self, logical: &str) -> String {
        format!("LoyaltyService-{logical}-{}", self.env)
    }

    /// The rule that targets `queue`.
    pub fn rule_for_queue(&self, queue: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.queue == queue)
    }

    /// Whether `name` (absent, a name or an ARN) designates this bus. The account's `default` bus and an absent name
    /// are accepted too, as if forwarded by identical rules (like the shared bus of the integrated environments).
    pub fn accepts_bus(&self, name: Option<&str>) -> bool {
        match name.map(str::trim) {
            None | Some("") | Some("default") => true,
            Some(name) => {
                let short = name
                    .rsplit_once(":event-bus/")
                    .map_or(name, |(_, short)| short);
                short == self.bus_name
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_source_and_detail_type_exactly_with_v2_routed() {
        let topology = Topology::for_env("dev");
        let matching: Vec<&str> = topology
            .rules
            .iter()
            .filter(|r| r.matches("dev.orders", "orders.orderCompleted.v2"))
            .map(|r| r.queue.as_str())
            .collect();
        assert_eq!(matching, ["LoyaltyService-OrderCompleted-dev"]);
        assert!(
            !topology
                .rules
                .iter()
                .any(|r| r.matches("prod.orders", "orders.orderCompleted.v1"))
        );
        assert!(
            !topology
                .rules
                .iter()
                .any(|r| r.matches("dev.orders", "orders.orderCompleted.v3"))
        );
        assert_eq!(
            topology.rules[0].dead_letter_queue,
            "LoyaltyService-UserCreatedDLQ-dev"
        );
    }

    #[test]
    fn without_the_tier_workflow_only_the_credit_rules_remain() {
        let queues: Vec<String> = Topology::for_env("dev")
            .without_tier_workflow()
            .rules
            .into_iter()
            .map(|r| r.queue)
            .collect();
        assert_eq!(
            queues,
            [
                "LoyaltyService-UserCreated-dev",
                "LoyaltyService-OrderCompleted-dev"
            ]
        );
        assert_eq!(Topology::for_env("dev").rules.len(), 4);
    }

    #[test]
    fn the_bus_is_accepted_by_name_arn_default_or_absence_only() {
        let topology = Topology::for_env("dev");
        assert!(topology.accepts_bus(Some("LoyaltyService-bus-dev")));
        assert!(topology.accepts_bus(Some(
            "arn:aws:events:us-east-1:123456789012:event-bus/LoyaltyService-bus-dev"
        )));
        assert!(topology.accepts_bus(Some("default")));
        assert!(topology.accepts_bus(None));
        assert!(!topology.accepts_bus(Some("LoyaltyService-bus-prod")));
        assert!(!topology.accepts_bus(Some("SharedEventBus-dev")));
    }
}
