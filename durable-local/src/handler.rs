//! A durable handler wrapped with the SDK (`aws_durable_execution_sdk::wrap`): the durable
//! invocation envelope in, the response envelope out. Both the embedded service and
//! the Lambda stand-in `LambdaHost` run handlers this way.

use std::future::Future;
use std::sync::Arc;

use aws_durable_execution_sdk::{BoxError, DurableContext, InvocationPayload, Options};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::runner::BoxFuture;

/// Wraps a durable handler with the SDK: envelope in, response envelope out.
pub(crate) fn wrap_durable<F, E, Fut, O>(
    name: &str,
    client: aws_sdk_lambda::Client,
    checkpoint_batching: bool,
    handler: F,
) -> Result<impl Fn(Value) -> BoxFuture<Result<Value, String>> + Send + Sync + 'static, Error>
where
    F: Fn(E, DurableContext) -> Fut + Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
    O: Serialize + Send + 'static,
{
    let options = Options::builder()
        .lambda_client(client)
        .checkpoint_batching(checkpoint_batching)
        .build()
        .map_err(|e| Error::Options(e.to_string()))?;
    let service = Arc::new(aws_durable_execution_sdk::wrap(handler, options));
    let function_arn = crate::service::function_arn(name);
    Ok(move |envelope: Value| -> BoxFuture<Result<Value, String>> {
        let service = Arc::clone(&service);
        let function_arn = function_arn.clone();
        Box::pin(async move {
            let payload: InvocationPayload =
                serde_json::from_value(envelope).map_err(|e| e.to_string())?;
            let mut context = lambda_runtime::Context::default();
            context.request_id = uuid::Uuid::new_v4().to_string();
            context.invoked_function_arn = function_arn;
            let response = service(lambda_runtime::LambdaEvent::new(payload, context))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(response).map_err(|e| e.to_string())
        })
    })
}
