//! SQS batches in and partial batch results out (`ReportBatchItemFailures`).

use std::future::Future;

use serde_json::json;

/// One SQS message as a handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMessage {
    /// `messageId`.
    pub message_id: String,
    /// `body`: the EventBridge event JSON.
    pub body: String,
    /// `ApproximateReceiveCount`.
    pub receive_count: i64,
}

/// A failed item of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailure {
    /// The message id (or stream sequence number).
    pub item_identifier: String,
    /// Why it failed.
    pub reason: String,
    /// False when retrying cannot help (malformed or unsupported event): the item goes to the DLQ at once.
    pub retryable: bool,
}

impl ItemFailure {
    /// The failure of `message` for `reason`; `retryable` false sends it to the DLQ at once.
    pub fn new(message: &SqsMessage, reason: String, retryable: bool) -> Self {
        Self {
            item_identifier: message.message_id.clone(),
            reason,
            retryable,
        }
    }
}

/// Handles `messages` one after the other with `handle`, collecting the failures: the batch loop of every handler
/// whose messages are independent.
pub async fn handle_each<'a, F, Fut>(messages: &'a [SqsMessage], mut handle: F) -> BatchOutcome
where
    F: FnMut(&'a SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), ItemFailure>>,
{
    let mut outcome = BatchOutcome::default();
    for message in messages {
        if let Err(failure) = handle(message).await {
            outcome.failures.push(failure);
        }
    }
    outcome
}

/// The result of a batch: the failed items; every other item succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The failed items.
    pub failures: Vec<ItemFailure>,
}

impl BatchOutcome {
    /// The failure of `item_identifier`, if it failed.
    pub fn failure_of(&self, item_identifier: &str) -> Option<&ItemFailure> {
        self.failures
            .iter()
            .find(|f| f.item_identifier == item_identifier)
    }

    /// The Lambda partial batch response: `{"batchItemFailures":[{"itemIdentifier":"..."}]}`.
    pub fn lambda_response(&self) -> serde_json::Value {
        let failures: Vec<_> = self
            .failures
            .iter()
            .map(|f| json!({"itemIdentifier": f.item_identifier}))
            .collect();
        json!({ "batchItemFailures": failures })
    }
}

/// Handles a batch of SQS messages, sequentially, reporting partial failures.
pub trait SqsBatchHandler: Send + Sync {
    /// Handles `messages`.
    fn handle_batch(&self, messages: &[SqsMessage]) -> impl Future<Output = BatchOutcome> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lambda_response_lists_only_failed_items() {
        let outcome = BatchOutcome {
            failures: vec![ItemFailure {
                item_identifier: "m2".into(),
                reason: "x".into(),
                retryable: true,
            }],
        };
        assert_eq!(
            outcome.lambda_response(),
            json!({"batchItemFailures":[{"itemIdentifier":"m2"}]})
        );
        assert_eq!(
            BatchOutcome::default().lambda_response(),
            json!({"batchItemFailures":[]})
        );
    }
}
