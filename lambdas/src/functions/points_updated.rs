//! `handle-loyalty-points-updated`: the table's DynamoDB stream -> `loyalty.pointsAdded.v1`/`.v2` and
//! `loyalty.pointsSpent.v1` on EventBridge (behaviour F8), with batch item failures so a failed publish is retried from
//! that record on (behaviour F9).

use aws_config::SdkConfig;
use aws_lambda_events::event::dynamodb::Event;
use serde_json::Value;

use crate::aws::stream_records::{Conversion, convert};
use crate::aws::{AwsError, EventBridgePublisher};
use crate::functions::required_env;
use loyalty_service::handlers::batch::{BatchOutcome, ItemFailure};
use loyalty_service::handlers::change_stream::{StreamRecord, handle_stream_batch};
use loyalty_service::ports::SystemClock;

/// The stream function, built once per container.
#[derive(Debug, Clone)]
pub struct PointsUpdatedFunction {
    publisher: EventBridgePublisher,
    env: String,
}

impl PointsUpdatedFunction {
    /// Publishes on `bus_name` with `Source` `<env>.loyalty`.
    pub fn new(config: &SdkConfig, bus_name: &str, env: &str) -> Self {
        Self {
            publisher: EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(config),
                bus_name,
            ),
            env: env.to_owned(),
        }
    }

    /// Reads `EVENT_BUS_NAME` and `ENV`.
    pub fn from_env(config: &SdkConfig) -> Result<Self, AwsError> {
        Ok(Self::new(
            config,
            &required_env("EVENT_BUS_NAME")?,
            &required_env("ENV")?,
        ))
    }

    /// Handles one stream batch; `{"batchItemFailures":[{"itemIdentifier": <SequenceNumber>}...]}`. Records up to
    /// the first unreadable account record are published; that record and every later one fail, in order.
    pub async fn handle(&self, event: &Event) -> Value {
        let mut changes: Vec<StreamRecord> = Vec::new();
        let mut unreadable: Vec<ItemFailure> = Vec::new();
        for record in &event.records {
            match convert(record) {
                Conversion::Ignored => {}
                Conversion::Change(change) if unreadable.is_empty() => changes.push(change),
                Conversion::Change(change) => unreadable.push(ItemFailure {
                    item_identifier: change.sequence_number,
                    reason: "an earlier record failed".into(),
                    retryable: true,
                }),
                Conversion::Invalid {
                    sequence_number,
                    reason,
                } => {
                    tracing::error!(%sequence_number, %reason, "unreadable account record");
                    unreadable.push(ItemFailure {
                        item_identifier: sequence_number,
                        reason,
                        retryable: true,
                    });
                }
            }
        }
        tracing::debug!(
            records = event.records.len(),
            changes = ?changes.iter().map(|c| (c.sequence_number.as_str(), c.change.difference())).collect::<Vec<_>>(),
            "stream batch"
        );
        let mut outcome: BatchOutcome =
            handle_stream_batch(&self.publisher, &SystemClock, &self.env, &changes).await;
        outcome.failures.extend(unreadable);
        outcome.lambda_response()
    }
}
