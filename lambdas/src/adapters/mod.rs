//! Implementations of the ports: `aws` (DynamoDB, EventBridge, SSM, Lambda), `embedded` (SQLite), `http` (the API router).

pub mod aws;
pub mod durable;
pub mod embedded;
pub mod http;
