//! Implementations of the ports: `embedded` (SQLite).

pub mod embedded;
