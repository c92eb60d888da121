//! Creates, if missing, what the service needs on an AWS endpoint (moto server locally): the table with its
//! stream, the bus, each rule's queue with its DLQ (redrive after 3 receives, 30 s visibility), the rules and
//! their targets, and the stream's failure queue. Idempotent: a second start finds everything in place.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

use crate::embedded::Topology;

/// The SQS `maxReceiveCount` of every queue (as deployed).
pub const MAX_RECEIVE_COUNT: u32 = 3;
/// The visibility timeout of every queue, seconds (the SQS default, as deployed).
pub const VISIBILITY_TIMEOUT_SECS: u32 = 30;

/// Why provisioning failed: the operation and the SDK's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {message}")]
pub struct ProvisionError {
    /// What was being done.
    pub operation: String,
    /// What the endpoint said.
    pub message: String,
}

fn failed(operation: impl Into<String>, error: impl std::fmt::Display) -> ProvisionError {
    ProvisionError {
        operation: operation.into(),
        message: error.to_string(),
    }
}

/// What exists after provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// The table's stream ARN.
    pub stream_arn: String,
    /// Queue URL by queue name (rule queues, their DLQs, the stream failure queue).
    pub queue_urls: HashMap<String, String>,
}

async fn ensure_table(config: &SdkConfig, table: &str) -> Result<String, ProvisionError> {
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    if let Ok(found) = dynamodb.describe_table().table_name(table).send().await {
        return found
            .table()
            .and_then(|t| t.latest_stream_arn())
            .map(str::to_owned)
            .ok_or_else(|| {
                failed(
                    format!("table {table}"),
                    "exists without a stream (NEW_AND_OLD_IMAGES needed)",
                )
            });
    }
    let build = |e: aws_sdk_dynamodb::error::BuildError| failed("CreateTable", e);
    let created = dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("PK")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("PK")
                .key_type(KeyType::Hash)
                .build()
                .map_err(build)?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(build)?,
        )
        .send()
        .await
        .map_err(|e| {
            failed(
                format!("CreateTable {table}"),
                aws_sdk_dynamodb::error::DisplayErrorContext(e),
            )
        })?;
    created
        .table_description()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_owned)
        .ok_or_else(|| failed(format!("CreateTable {table}"), "no stream ARN returned"))
}

async fn ensure_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    dead_letter_arn: Option<&str>,
) -> Result<(String, String), ProvisionError> {
    let mut request = sqs.create_queue().queue_name(name).attributes(
        QueueAttributeName::VisibilityTimeout,
        VISIBILITY_TIMEOUT_SECS.to_string(),
    );
    if let Some(arn) = dead_letter_arn {
        let policy = json!({"deadLetterTargetArn": arn, "maxReceiveCount": MAX_RECEIVE_COUNT});
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    let url = request
        .send()
        .await
        .map_err(|e| {
            failed(
                format!("CreateQueue {name}"),
                aws_sdk_sqs::error::DisplayErrorContext(e),
            )
        })?
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| failed(format!("CreateQueue {name}"), "no queue URL returned"))?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| {
            failed(
                format!("GetQueueAttributes {name}"),
                aws_sdk_sqs::error::DisplayErrorContext(e),
            )
        })?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| failed(format!("GetQueueAttributes {name}"), "no QueueArn"))?;
    Ok((url, arn))
}

/// Provisions `topology` and `table` through `config`.
pub async fn provision(
    config: &SdkConfig,
    topology: &Topology,
    table: &str,
) -> Result<Provisioned, ProvisionError> {
    let stream_arn = ensure_table(config, table).await?;
    let events = aws_sdk_eventbridge::Client::new(config);
    if events
        .describe_event_bus()
        .name(&topology.bus_name)
        .send()
        .await
        .is_err()
    {
        events
            .create_event_bus()
            .name(&topology.bus_name)
            .send()
            .await
            .map_err(|e| {
                failed(
                    format!("CreateEventBus {}", topology.bus_name),
                    aws_sdk_eventbridge::error::DisplayErrorContext(e),
                )
            })?;
    }
    let sqs = aws_sdk_sqs::Client::new(config);
    let mut queue_urls = HashMap::new();
    for rule in &topology.rules {
        let (dlq_url, dlq_arn) = ensure_queue(&sqs, &rule.dead_letter_queue, None).await?;
        let (url, arn) = ensure_queue(&sqs, &rule.queue, Some(&dlq_arn)).await?;
        queue_urls.insert(rule.dead_letter_queue.clone(), dlq_url);
        queue_urls.insert(rule.queue.clone(), url);
        let pattern = json!({"source": [rule.source], "detail-type": rule.detail_types});
        events
            .put_rule()
            .name(&rule.name)
            .event_bus_name(&topology.bus_name)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .map_err(|e| {
                failed(
                    format!("PutRule {}", rule.name),
                    aws_sdk_eventbridge::error::DisplayErrorContext(e),
                )
            })?;
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id(&rule.queue)
            .arn(arn)
            .build()
            .map_err(|e| failed("Target", e))?;
        events
            .put_targets()
            .rule(&rule.name)
            .event_bus_name(&topology.bus_name)
            .targets(target)
            .send()
            .await
            .map_err(|e| {
                failed(
                    format!("PutTargets {}", rule.name),
                    aws_sdk_eventbridge::error::DisplayErrorContext(e),
                )
            })?;
    }
    let (failure_url, _) = ensure_queue(&sqs, &topology.stream_failure_queue, None).await?;
    queue_urls.insert(topology.stream_failure_queue.clone(), failure_url);
    Ok(Provisioned {
        stream_arn,
        queue_urls,
    })
}
