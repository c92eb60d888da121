//! A message as a queue hands it to its consumer (and as a dead letter keeps it).

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// The SQS message id.
    pub message_id: String,
    /// The queue it came from.
    pub queue: String,
    /// The body: the EventBridge event JSON.
    pub body: String,
    /// The EventBridge event id, when the message came from the bus.
    pub event_id: Option<String>,
    /// The EventBridge detail-type, when the message came from the bus.
    pub detail_type: Option<String>,
    /// `ApproximateReceiveCount`, this receive included.
    pub receive_count: i64,
    /// When it was sent, epoch ms.
    pub sent_at_ms: i64,
}
