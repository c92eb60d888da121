//! What keeps the laptop servers (`loyalty-local`, `durable-local`) safe from a hostile client and from a damaged
//! data directory:
//!
//! - [`http`]: an HTTP/1.1 listener with a header-read timeout, an idle keep-alive timeout, a body-read timeout and a
//!   cap on concurrent connections;
//! - [`sqlite`]: opening a SQLite file in WAL mode only when it is intact, and checkpointing it on a clean stop.

pub mod http;
pub mod sqlite;
