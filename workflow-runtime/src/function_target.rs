//! Where an `invoke` step sends its input: a Lambda function named by configuration, or an
//! in-process function for runners that cannot complete chained invokes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_durable_execution_sdk::{BoxError, DurableContext, OperationError, TypedError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A boxed in-process function taking and returning JSON.
pub type InProcessFunction = Arc<
    dyn Fn(
            serde_json::Value,
        ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, BoxError>> + Send>>
        + Send
        + Sync,
>;

/// The target of one `invoke` step.
#[derive(Clone)]
pub enum FunctionTarget {
    /// A chained invoke (`CHAINED_INVOKE` operation) of this function name or ARN.
    Lambda(String),
    /// A step (`STEP` operation) running this function in the orchestrator's process.
    ///
    /// For the SDK's `LocalRunner`, which leaves chained invokes pending forever. The step
    /// carries the invoke step's name, so the operation list differs only in its type; a
    /// failure of the function has the kind `InvokeFailed`, as a failed chained invoke.
    InProcess(InProcessFunction),
}

impl std::fmt::Debug for FunctionTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Lambda(name) => f.debug_tuple("Lambda").field(name).finish(),
            Self::InProcess(_) => f.write_str("InProcess(..)"),
        }
    }
}

/// An `invoke` step whose function name is configured by an unset environment variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "step `{step}` invokes the function named by environment variable {variable}, which is not set"
)]
pub struct MissingFunctionConfig {
    /// The YAML id of the invoke step.
    pub step: &'static str,
    /// The environment variable that should hold the function name or ARN.
    pub variable: &'static str,
}

impl FunctionTarget {
    /// The Lambda function named by environment variable `variable` (read once, at start-up).
    pub fn from_env(
        step: &'static str,
        variable: &'static str,
    ) -> Result<Self, MissingFunctionConfig> {
        match std::env::var(variable) {
            Ok(name) if !name.trim().is_empty() => Ok(Self::Lambda(name)),
            _ => Err(MissingFunctionConfig { step, variable }),
        }
    }

    /// An in-process function with typed input and output.
    pub fn in_process<I, O, F, Fut>(function: F) -> Self
    where
        I: DeserializeOwned + Send + 'static,
        O: Serialize + Send + 'static,
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
    {
        let function = Arc::new(function);
        Self::InProcess(Arc::new(move |payload: serde_json::Value| {
            let function = Arc::clone(&function);
            Box::pin(async move {
                let input: I = serde_json::from_value(payload)?;
                let output = function(input).await?;
                Ok(serde_json::to_value(output)?)
            })
        }))
    }

    /// Runs the `invoke` step named `name` with `input` against this target.
    pub async fn invoke<I, O>(
        &self,
        ctx: &DurableContext,
        name: impl Into<String>,
        input: I,
    ) -> Result<O, OperationError>
    where
        I: Serialize + DeserializeOwned + Send + 'static,
        O: Serialize + DeserializeOwned + Send + 'static,
    {
        match self {
            Self::Lambda(function) => ctx.invoke::<O, I>(function.clone(), input).name(name).await,
            Self::InProcess(function) => {
                let function = Arc::clone(function);
                ctx.step(move |_| async move {
                    // A failure of the function is recorded as `InvokeFailed`, the kind a failed chained
                    // invoke has, so the step's catches handle both targets alike.
                    let output = function(serde_json::to_value(input)?).await.map_err(
                        |error| -> BoxError {
                            Box::new(TypedError::with_type(
                                crate::error_kind::INVOKE_FAILED,
                                error,
                            ))
                        },
                    )?;
                    Ok(serde_json::from_value::<O>(output)?)
                })
                .name(name)
                .retry_strategy(crate::retry::never_retry())
                .await
            }
        }
    }
}
