//! The loyalty service on AWS Lambda: the AWS adapters (DynamoDB and its stream, EventBridge, SQS payloads, SSM,
//! the Lambda durable-execution API) and the glue of the nine functions whose binaries are in `src/bin/`.
#![warn(missing_docs)]

pub mod aws;
pub mod functions;
