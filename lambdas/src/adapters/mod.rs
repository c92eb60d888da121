//! Implementations of the ports: `embedded` (SQLite) and `http` (the API router).

pub mod durable;
pub mod embedded;
pub mod http;
