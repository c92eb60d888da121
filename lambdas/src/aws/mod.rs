//! The AWS adapters: DynamoDB (accounts with idempotency records and spend receipts, tier items), EventBridge
//! `PutEvents`, SSM parameters, the Lambda durable-execution API (async start, callbacks), and the conversion of
//! the Lambda event payloads (SQS messages, DynamoDB stream records) into the handlers' types.

pub mod account_store;
pub mod attributes;
pub mod config;
pub mod error;
pub mod event_bridge;
pub mod lambda_workflows;
pub mod parameters;
pub mod sqs_messages;
pub mod stream_reader;
pub mod stream_records;
pub mod tier_store;

pub use account_store::DynamoAccountStore;
pub use config::load_sdk_config;
pub use error::AwsError;
pub use event_bridge::EventBridgePublisher;
pub use lambda_workflows::LambdaWorkflows;
pub use parameters::ParameterStore;
pub use tier_store::DynamoTierStore;
