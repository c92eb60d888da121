//! The anti-corruption layer: `users.userCreated.v1` (+100) and `orders.orderCompleted.v1`/`.v2` (+50 per order id,
//! once across versions and redeliveries).

use crate::core::cloud_event::EventBridgeEnvelope;
use crate::core::error::DomainError;
use crate::core::incoming::{CreditCommand, order_completed_command, user_created_command};
use crate::handlers::batch::{BatchOutcome, ItemFailure, SqsBatchHandler, SqsMessage};
use crate::handlers::telemetry::consumer_span;
use crate::ports::{AccountStore, Clock};
use crate::use_cases::{LoyaltyError, credit_points_batch};

/// Which queue's events a handler accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditEventKind {
    /// `users.userCreated.v1` only.
    UserCreated,
    /// `orders.orderCompleted.v1` and `.v2` only.
    OrderCompleted,
}

impl CreditEventKind {
    /// The subscription (queue) this kind of event arrives through, the span's `messaging.destination.name`.
    pub fn destination(self) -> &'static str {
        match self {
            Self::UserCreated => "UserCreated",
            Self::OrderCompleted => "OrderCompleted",
        }
    }
}

/// The handler of the UserCreated or OrderCompleted queue.
#[derive(Debug, Clone)]
pub struct CreditEventHandler<S, C> {
    store: S,
    clock: C,
    kind: CreditEventKind,
}

impl<S: AccountStore, C: Clock> CreditEventHandler<S, C> {
    /// A handler of `kind` events.
    pub fn new(store: S, clock: C, kind: CreditEventKind) -> Self {
        Self { store, clock, kind }
    }

    /// Parses one message into its credit; every failure here is permanent (retrying cannot fix the message).
    fn command_of(&self, message: &SqsMessage) -> Result<CreditCommand, DomainError> {
        let envelope = EventBridgeEnvelope::from_body(&message.body)?;
        let event = envelope.cloud_event()?;
        let span = consumer_span(&event, self.clock.now_ms(), self.kind.destination());
        let _entered = span.enter();
        if let Some(date) = event.extension("deprecationdate") {
            tracing::debug!(
                deprecation_date = date,
                superceded_by = event.extension("supercededby").unwrap_or("unknown"),
                "consumed a deprecated event version"
            );
        }
        match self.kind {
            CreditEventKind::UserCreated => user_created_command(&event),
            CreditEventKind::OrderCompleted => order_completed_command(&event),
        }
    }
}

fn item_failure(message: &SqsMessage, reason: String, retryable: bool) -> ItemFailure {
    tracing::warn!(message_id = %message.message_id, %reason, retryable, "event failed");
    ItemFailure::new(message, reason, retryable)
}

impl<S: AccountStore, C: Clock> SqsBatchHandler for CreditEventHandler<S, C> {
    /// Parses every message, then applies the valid credits in order as one batch (one transaction unless
    /// something conflicts); reports each failed message.
    async fn handle_batch(&self, messages: &[SqsMessage]) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        let mut parsed: Vec<(&SqsMessage, CreditCommand)> = Vec::with_capacity(messages.len());
        for message in messages {
            match self.command_of(message) {
                Ok(command) => parsed.push((message, command)),
                Err(error) => {
                    outcome
                        .failures
                        .push(item_failure(message, error.to_string(), false))
                }
            }
        }
        let commands: Vec<CreditCommand> = parsed.iter().map(|(_, c)| c.clone()).collect();
        let results = credit_points_batch(&self.store, &self.clock, &commands).await;
        for ((message, _), result) in parsed.iter().zip(results) {
            match result {
                Ok(result) => {
                    tracing::debug!(message_id = %message.message_id, ?result, "credit event handled")
                }
                Err(
                    error @ (LoyaltyError::Store(_)
                    | LoyaltyError::Publish(_)
                    | LoyaltyError::ConflictAfterRetries),
                ) => {
                    outcome
                        .failures
                        .push(item_failure(message, error.to_string(), true));
                }
                Err(other) => {
                    outcome
                        .failures
                        .push(item_failure(message, other.to_string(), false))
                }
            }
        }
        outcome
    }
}
