//! The anti-corruption layer: `users.userCreated.v1` (+100) and `orders.orderCompleted.v1`/`.v2` (+50 per order id,
//! once across versions and redeliveries).

use crate::core::cloud_event::EventBridgeEnvelope;
use crate::core::error::DomainError;
use crate::core::incoming::{CreditCommand, order_completed_command, user_created_command};
use crate::handlers::batch::{BatchOutcome, ItemFailure, SqsBatchHandler, SqsMessage};
use crate::handlers::telemetry::consumer_span;
use crate::ports::{AccountStore, Clock};
use crate::use_cases::{CreditOutcome, LoyaltyError, credit_points};

/// Which queue's events a handler accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditEventKind {
    /// `users.userCreated.v1` only.
    UserCreated,
    /// `orders.orderCompleted.v1` and `.v2` only.
    OrderCompleted,
}

/// The handler of the UserCreated or OrderCompleted queue.
#[derive(Debug, Clone)]
pub struct CreditEventHandler<S, C> {
    store: S,
    clock: C,
    kind: CreditEventKind,
}

enum MessageError {
    Permanent(String),
    Transient(String),
}

impl From<DomainError> for MessageError {
    fn from(error: DomainError) -> Self {
        Self::Permanent(error.to_string())
    }
}

impl<S: AccountStore, C: Clock> CreditEventHandler<S, C> {
    /// A handler of `kind` events.
    pub fn new(store: S, clock: C, kind: CreditEventKind) -> Self {
        Self { store, clock, kind }
    }

    async fn handle_message(&self, message: &SqsMessage) -> Result<CreditOutcome, MessageError> {
        let envelope = EventBridgeEnvelope::from_body(&message.body)?;
        let event = envelope.cloud_event()?;
        let span = consumer_span(&event, self.clock.now_ms());
        let _entered = span.enter();
        let command: CreditCommand = match self.kind {
            CreditEventKind::UserCreated => user_created_command(&event)?,
            CreditEventKind::OrderCompleted => order_completed_command(&event)?,
        };
        if let Some(date) = event.extension("deprecationdate") {
            tracing::debug!(
                deprecation_date = date,
                superceded_by = event.extension("supercededby").unwrap_or("unknown"),
                "consumed a deprecated event version"
            );
        }
        credit_points(&self.store, &self.clock, &command)
            .await
            .map_err(|error| match error {
                LoyaltyError::Store(_)
                | LoyaltyError::Publish(_)
                | LoyaltyError::ConflictAfterRetries => MessageError::Transient(error.to_string()),
                other => MessageError::Permanent(other.to_string()),
            })
    }
}

impl<S: AccountStore, C: Clock> SqsBatchHandler for CreditEventHandler<S, C> {
    async fn handle_batch(&self, messages: &[SqsMessage]) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        for message in messages {
            let failure = match self.handle_message(message).await {
                Ok(result) => {
                    tracing::debug!(message_id = %message.message_id, ?result, "credit event handled");
                    continue;
                }
                Err(MessageError::Permanent(reason)) => (reason, false),
                Err(MessageError::Transient(reason)) => (reason, true),
            };
            tracing::warn!(message_id = %message.message_id, reason = %failure.0, retryable = failure.1, "event failed");
            outcome.failures.push(ItemFailure {
                item_identifier: message.message_id.clone(),
                reason: failure.0,
                retryable: failure.1,
            });
        }
        outcome
    }
}
