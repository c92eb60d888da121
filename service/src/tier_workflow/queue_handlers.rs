//! The tier workflow's two queue consumers (behaviour keep-workflow): the trigger (`loyalty.pointsAdded.v2` -> start
//! the orchestrator, behaviour F10) and the acknowledger (`loyalty.tierUpgraded.v1` -> complete the callback,
//! behaviour F12).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::core::cloud_event::EventBridgeEnvelope;
use crate::core::error::DomainError;
use crate::core::outgoing::{POINTS_ADDED_V2, TIER_UPGRADED_V1};
use crate::core::time_format::iso_millis;
use crate::handlers::batch::{BatchOutcome, ItemFailure, SqsBatchHandler, SqsMessage, handle_each};
use crate::handlers::telemetry::consumer_span_of_body;
use crate::ports::{Clock, SystemClock};
use crate::tier_workflow::UpgradeRequest;
use crate::tier_workflow::ports::{CallbackOutcome, CallbackSender, StartOutcome, WorkflowStarter};
use crate::tier_workflow::tier::Tier;
use tracing::Instrument;

/// The deterministic execution name of "upgrade `user_id` to `tier`" (behaviour F10): one execution per user and target
/// tier, whatever the number of events. Execution names allow `[A-Za-z0-9_-]{1,64}`, so the user id is hashed.
pub fn execution_name(user_id: &str, tier: Tier) -> String {
    let digest = hex::encode(Sha256::digest(user_id.as_bytes()));
    format!("tier-{}-{}", tier.name(), &digest[..48])
}

fn event_data(body: &str, expected_type: &str) -> Result<Value, DomainError> {
    let event = EventBridgeEnvelope::from_body(body)?.cloud_event()?;
    if event.event_type != expected_type {
        return Err(DomainError::UnsupportedEventType(event.event_type));
    }
    event
        .data
        .ok_or_else(|| DomainError::InvalidEvent(format!("{expected_type} has no data")))
}

fn rejected(message: &SqsMessage, reason: String) -> ItemFailure {
    tracing::warn!(message_id = %message.message_id, %reason, "event rejected");
    ItemFailure::new(message, reason, false)
}

fn retry(message: &SqsMessage, reason: String) -> ItemFailure {
    tracing::warn!(message_id = %message.message_id, %reason, "event failed; it will be retried");
    ItemFailure::new(message, reason, true)
}

/// What the trigger makes of one `pointsAdded.v2`: the orchestrator input and execution name, or nothing below
/// Silver.
pub fn upgrade_start(body: &str) -> Result<Option<(String, UpgradeRequest)>, DomainError> {
    let data = event_data(body, POINTS_ADDED_V2)?;
    let user_id = data
        .get("userId")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            DomainError::InvalidEvent(format!("{POINTS_ADDED_V2} has no data.userId"))
        })?;
    let total_points = data
        .get("totalPoints")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            DomainError::InvalidEvent(format!("{POINTS_ADDED_V2} has no integer data.totalPoints"))
        })?;
    let target = Tier::for_points(total_points);
    if target == Tier::Bronze {
        return Ok(None);
    }
    let request = UpgradeRequest {
        user_id: user_id.to_owned(),
        total_points,
    };
    Ok(Some((execution_name(user_id, target), request)))
}

/// The callback a `tierUpgraded.v1` acknowledges: its `data.callbackId`. An event without one is poison (it can
/// never complete anything), so it goes to the DLQ with this reason rather than being dropped silently.
pub fn acknowledged_callback(body: &str) -> Result<String, DomainError> {
    let data = event_data(body, TIER_UPGRADED_V1)?;
    data.get("callbackId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::InvalidEvent(format!("{TIER_UPGRADED_V1} has no data.callbackId"))
        })
}

/// Consumer of the TierUpgradeTrigger queue.
#[derive(Debug, Clone)]
pub struct TierTrigger<W> {
    starter: W,
    orchestrator: String,
}

impl<W: WorkflowStarter> TierTrigger<W> {
    /// Starts executions of the durable function `orchestrator` through `starter`.
    pub fn new(starter: W, orchestrator: &str) -> Self {
        Self {
            starter,
            orchestrator: orchestrator.to_owned(),
        }
    }

    async fn handle(&self, message: &SqsMessage) -> Result<(), ItemFailure> {
        let span = consumer_span_of_body(&message.body, SystemClock.now_ms(), "TierUpgradeTrigger");
        self.start_upgrade(message).instrument(span).await
    }

    async fn start_upgrade(&self, message: &SqsMessage) -> Result<(), ItemFailure> {
        let Some((name, request)) =
            upgrade_start(&message.body).map_err(|e| rejected(message, e.to_string()))?
        else {
            return Ok(());
        };
        let input = json!({"userId": request.user_id, "totalPoints": request.total_points});
        match self.starter.start(&self.orchestrator, &name, &input).await {
            Ok(StartOutcome::Started { arn }) => {
                tracing::info!(%arn, user_id = %request.user_id, "tier upgrade started");
                Ok(())
            }
            Ok(StartOutcome::AlreadyStarted) => {
                tracing::info!(execution = %name, "tier upgrade already started (behaviour F10)");
                Ok(())
            }
            Err(error) => Err(retry(message, error.to_string())),
        }
    }
}

impl<W: WorkflowStarter> SqsBatchHandler for TierTrigger<W> {
    async fn handle_batch(&self, messages: &[SqsMessage]) -> BatchOutcome {
        handle_each(messages, |message| self.handle(message)).await
    }
}

/// Consumer of the NotificationAcknowledger queue.
#[derive(Debug, Clone)]
pub struct NotificationAcknowledger<S, C> {
    sender: S,
    clock: C,
}

impl<S: CallbackSender, C: Clock> NotificationAcknowledger<S, C> {
    /// Completes callbacks through `sender`, stamping `acknowledgedAt` from `clock`.
    pub fn new(sender: S, clock: C) -> Self {
        Self { sender, clock }
    }

    async fn handle(&self, message: &SqsMessage) -> Result<(), ItemFailure> {
        let span = consumer_span_of_body(
            &message.body,
            self.clock.now_ms(),
            "NotificationAcknowledger",
        );
        self.acknowledge(message).instrument(span).await
    }

    async fn acknowledge(&self, message: &SqsMessage) -> Result<(), ItemFailure> {
        let callback_id =
            acknowledged_callback(&message.body).map_err(|e| rejected(message, e.to_string()))?;
        let callback_id = callback_id.as_str();
        let result = json!({"acknowledgedAt": iso_millis(self.clock.now_ms())});
        match self.sender.send_success(callback_id, &result).await {
            Ok(CallbackOutcome::Completed) => Ok(()),
            Ok(CallbackOutcome::AlreadySettled { reason }) => {
                tracing::info!(%callback_id, %reason, "callback already settled; acknowledgement done (behaviour F12)");
                Ok(())
            }
            Err(error) => Err(retry(message, error.to_string())),
        }
    }
}

impl<S: CallbackSender, C: Clock> SqsBatchHandler for NotificationAcknowledger<S, C> {
    async fn handle_batch(&self, messages: &[SqsMessage]) -> BatchOutcome {
        handle_each(messages, |message| self.handle(message)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points_added(user: &str, total: i64) -> String {
        json!({"detail-type": "loyalty.pointsAdded.v2", "source": "dev.loyalty",
               "detail": {"type": "loyalty.pointsAdded.v2", "data": {"userId": user, "totalPoints": total, "difference": 50}}})
            .to_string()
    }

    #[test]
    fn below_silver_starts_nothing_and_the_name_depends_on_user_and_target_tier_only() {
        assert_eq!(upgrade_start(&points_added("u1", 499)).unwrap(), None);
        let (first, request) = upgrade_start(&points_added("u1", 500)).unwrap().unwrap();
        let (second, _) = upgrade_start(&points_added("u1", 1499)).unwrap().unwrap();
        let (gold, _) = upgrade_start(&points_added("u1", 1500)).unwrap().unwrap();
        assert_eq!(
            request,
            UpgradeRequest {
                user_id: "u1".into(),
                total_points: 500
            }
        );
        assert_eq!(first, second);
        assert_ne!(first, gold);
        assert!(
            first.starts_with("tier-Silver-") && first.len() <= 64,
            "{first}"
        );
    }

    #[test]
    fn a_points_added_without_user_is_rejected_with_its_reason() {
        let body =
            json!({"detail": {"type": "loyalty.pointsAdded.v2", "data": {"totalPoints": 600}}})
                .to_string();
        assert_eq!(
            upgrade_start(&body).unwrap_err().to_string(),
            "loyalty.pointsAdded.v2 has no data.userId"
        );
    }

    #[test]
    fn a_tier_upgraded_without_callback_id_is_rejected_with_its_reason() {
        let body = json!({"detail": {"type": "loyalty.tierUpgraded.v1", "data": {"userId": "u1"}}})
            .to_string();
        assert_eq!(
            acknowledged_callback(&body).unwrap_err().to_string(),
            "loyalty.tierUpgraded.v1 has no data.callbackId"
        );
        let body = json!({"detail": {"type": "loyalty.tierUpgraded.v1",
                                     "data": {"userId": "u1", "callbackId": "cb-1"}}})
        .to_string();
        assert_eq!(acknowledged_callback(&body).unwrap(), "cb-1");
    }
}
