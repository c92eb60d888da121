//! The SQS event of a Lambda invocation as the handlers' [`SqsMessage`]s.

use aws_lambda_events::event::sqs::SqsEvent;

use loyalty_service::handlers::batch::SqsMessage;

/// The messages of `event`, in order. `ApproximateReceiveCount` absent or unreadable counts as 1.
pub fn messages_of(event: &SqsEvent) -> Vec<SqsMessage> {
    event
        .records
        .iter()
        .map(|record| SqsMessage {
            message_id: record.message_id.clone().unwrap_or_default(),
            body: record.body.clone().unwrap_or_default(),
            receive_count: record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
        })
        .collect()
}
