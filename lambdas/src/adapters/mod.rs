//! Implementations of the ports: `embedded` (SQLite) and `http` (the API router).

pub mod embedded;
pub mod http;
