//! The embedded mode: one SQLite file (WAL) holds accounts, idempotency records, the outbox, the queues, the dead
//! letters and the bus archive, so that a balance change and its change record, or an accepted event and its queue
//! messages, commit together.

pub mod account_store;
mod account_writes;
pub mod archive;
pub mod database;
pub mod dead_letters;
pub mod error;
pub mod outbox;
pub mod poller;
pub mod queue_message;
pub mod queues;
pub mod stream_processor;
pub mod tier_store;
pub mod topology;

pub use account_store::SqliteAccountStore;
pub use database::Database;
pub use dead_letters::DeadLetter;
pub use error::EmbeddedError;
pub use queue_message::QueueMessage;
pub use queues::Queues;
pub use tier_store::SqliteTierStore;
pub use topology::Topology;
