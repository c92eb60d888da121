//! Event handlers: the anti-corruption layer (SQS batches of EventBridge events -> credits) and the change stream
//! (balance changes -> published events). Each parses at the edge, calls one use-case, and reports per-item results.

pub mod batch;
pub mod change_stream;
pub mod credit_events;
pub mod telemetry;

pub use batch::{BatchOutcome, ItemFailure, SqsBatchHandler, SqsMessage};
pub use change_stream::{StreamRecord, handle_stream_batch};
pub use credit_events::{CreditEventHandler, CreditEventKind};
