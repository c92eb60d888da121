//! A local stand-in for Lambda's SQS event source mapping: long-polls one queue, passes each batch to a function
//! handler as the SQS event Lambda would, and deletes the messages the partial batch response does not name. The
//! failed ones become visible again after the visibility timeout; the queue's redrive policy dead-letters them.

use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::{Map, Value, json};

/// The SQS event Lambda would pass for `messages` received from `queue_arn`.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> Result<SqsEvent, serde_json::Error> {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), Value::from(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                "md5OfBody": m.md5_of_body(), "attributes": attributes, "messageAttributes": {},
                "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records }))
}

fn failed_ids(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .map(|failures| {
            failures
                .iter()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `queue_url` until `stop` turns true, handing each batch to `handle` (which returns the partial batch
/// response). A batch in progress is finished before stopping.
pub async fn run_sqs_poller<F, Fut>(
    sqs: Client,
    queue_url: String,
    handle: F,
    stop: CancellationToken,
) where
    F: Fn(SqsEvent) -> Fut + Send + Sync,
    Fut: Future<Output = Value> + Send,
{
    let queue_arn = queue_url.rsplit('/').next().unwrap_or_default().to_owned();
    while !stop.is_cancelled() {
        let received = tokio::select! {
            received = sqs
                .receive_message()
                .queue_url(&queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send() => received,
            _ = stop.cancelled() => break,
        };
        let messages = match received {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(error) => {
                let error = aws_sdk_sqs::error::DisplayErrorContext(error);
                tracing::warn!(queue = %queue_url, %error, "ReceiveMessage failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let event = match sqs_event(&messages, &queue_arn) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(%error, "cannot build the SQS event; the batch returns after its visibility timeout");
                continue;
            }
        };
        let failed = failed_ids(&handle(event).await);
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| !failed.iter().any(|id| Some(id.as_str()) == m.message_id()))
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if done.is_empty() {
            continue;
        }
        if let Err(error) = sqs
            .delete_message_batch()
            .queue_url(&queue_url)
            .set_entries(Some(done))
            .send()
            .await
        {
            tracing::warn!(queue = %queue_url, error = %aws_sdk_sqs::error::DisplayErrorContext(error),
                "DeleteMessageBatch failed; the handled messages will be delivered again (handlers are idempotent)");
        }
    }
}
