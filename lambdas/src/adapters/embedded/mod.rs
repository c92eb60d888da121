//! The embedded mode: one SQLite file (WAL) holds accounts, idempotency records and the outbox, so that a balance
//! change and its change record commit together.

pub mod account_store;
pub mod database;
pub mod error;

pub use account_store::SqliteAccountStore;
pub use database::Database;
pub use error::EmbeddedError;
