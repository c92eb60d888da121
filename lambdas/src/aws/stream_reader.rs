//! Reads a DynamoDB stream through the DynamoDB Streams API (what Lambda's event source mapping does), giving the
//! records in the shape of a Lambda DynamoDB event (`aws_lambda_events`), for `loyalty-local serve --backend aws`.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use serde_json::{Map, Value, json};

use crate::aws::error::AwsError;

/// The DynamoDB JSON of one attribute value (`{"S": "..."}`, `{"N": "..."}`, `{"M": {...}}`...).
pub fn attribute_json(value: &AttributeValue) -> Value {
    let b64 = |blob: &aws_smithy_types::Blob| {
        base64::engine::general_purpose::STANDARD.encode(blob.as_ref())
    };
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::B(b) => json!({"B": b64(b)}),
        AttributeValue::Ss(v) => json!({"SS": v}),
        AttributeValue::Ns(v) => json!({"NS": v}),
        AttributeValue::Bs(v) => json!({"BS": v.iter().map(b64).collect::<Vec<_>>()}),
        AttributeValue::M(m) => json!({"M": image_json(m)}),
        AttributeValue::L(l) => json!({"L": l.iter().map(attribute_json).collect::<Vec<_>>()}),
        AttributeValue::Null(n) => json!({"NULL": n}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        _ => Value::Null,
    }
}

/// The DynamoDB JSON of an image.
pub fn image_json(image: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        image
            .iter()
            .map(|(k, v)| (k.clone(), attribute_json(v)))
            .collect::<Map<_, _>>(),
    )
}

/// One record of the Streams API as the record of a Lambda DynamoDB event.
pub fn event_record(record: &Record, stream_arn: &str) -> Result<EventRecord, AwsError> {
    let change = record.dynamodb();
    let mut dynamodb = json!({
        "SequenceNumber": change.and_then(|c| c.sequence_number()),
        "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or(0),
        "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|t| t.as_str()),
    });
    if let Some(change) = change {
        if let Some(at) = change.approximate_creation_date_time() {
            dynamodb["ApproximateCreationDateTime"] = json!(at.as_secs_f64());
        }
        for (name, image) in [
            ("Keys", change.keys()),
            ("NewImage", change.new_image()),
            ("OldImage", change.old_image()),
        ] {
            if let Some(image) = image {
                dynamodb[name] = image_json(image);
            }
        }
    }
    let value = json!({
        "eventID": record.event_id().unwrap_or_default(),
        "eventName": record.event_name().map(|n| n.as_str()).unwrap_or_default(),
        "eventVersion": record.event_version(),
        "eventSource": record.event_source(),
        "awsRegion": record.aws_region().unwrap_or_default(),
        "eventSourceARN": stream_arn,
        "dynamodb": dynamodb,
    });
    serde_json::from_value(value)
        .map_err(|e| AwsError::InvalidPayload(format!("stream record: {e}")))
}

/// A reader of one table's stream. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct StreamReader {
    client: Client,
    stream_arn: String,
}

/// Where to start reading a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAt {
    /// The oldest record still in the stream.
    TrimHorizon,
    /// Just after this sequence number (the last one processed).
    After(String),
    /// At this sequence number (a record to retry).
    At(String),
}

/// A page of records and the iterator of the next page (`None`: the shard is closed).
#[derive(Debug, Clone)]
pub struct Page {
    /// The records, as Lambda event records.
    pub records: Vec<EventRecord>,
    /// The next iterator.
    pub next: Option<String>,
}

impl StreamReader {
    /// A reader of `stream_arn`.
    pub fn new(client: Client, stream_arn: &str) -> Self {
        Self {
            client,
            stream_arn: stream_arn.to_owned(),
        }
    }

    fn failed(operation: &str, error: impl std::fmt::Display) -> AwsError {
        AwsError::InvalidPayload(format!("DynamoDB Streams {operation}: {error}"))
    }

    /// The stream's shard ids, parents first.
    pub async fn shards(&self) -> Result<Vec<String>, AwsError> {
        let output = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .map_err(|e| {
                Self::failed(
                    "DescribeStream",
                    aws_sdk_dynamodbstreams::error::DisplayErrorContext(e),
                )
            })?;
        Ok(output
            .stream_description()
            .map(|d| {
                d.shards()
                    .iter()
                    .filter_map(|s| s.shard_id().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// An iterator of `shard` from `start`.
    pub async fn iterator(&self, shard: &str, start: &StartAt) -> Result<String, AwsError> {
        let request = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard);
        let request = match start {
            StartAt::TrimHorizon => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            StartAt::After(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            StartAt::At(sequence) => request
                .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
                .sequence_number(sequence),
        };
        let output = request.send().await.map_err(|e| {
            Self::failed(
                "GetShardIterator",
                aws_sdk_dynamodbstreams::error::DisplayErrorContext(e),
            )
        })?;
        output
            .shard_iterator()
            .map(str::to_owned)
            .ok_or_else(|| Self::failed("GetShardIterator", "no iterator returned"))
    }

    /// The next page of records (at most 100).
    pub async fn page(&self, iterator: &str) -> Result<Page, AwsError> {
        let output = self
            .client
            .get_records()
            .shard_iterator(iterator)
            .limit(100)
            .send()
            .await
            .map_err(|e| {
                Self::failed(
                    "GetRecords",
                    aws_sdk_dynamodbstreams::error::DisplayErrorContext(e),
                )
            })?;
        let records = output
            .records()
            .iter()
            .map(|r| event_record(r, &self.stream_arn))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            records,
            next: output.next_shard_iterator().map(str::to_owned),
        })
    }
}
