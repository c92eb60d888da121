//! What generated code calls. Not a stable API: only `workflow!` expansions use these paths.

pub use aws_durable_execution_sdk::{
    BoxError, DurableContext, OperationError, RetryDecision, StepContext,
};
pub use std::sync::Arc;
pub use std::time::Duration;

pub use crate::activity_error::{ActivityError, DeclaredErrorKind};
pub use crate::error_kind::{
    CALLBACK_FAILED, CALLBACK_TIMEOUT, INVOKE_FAILED, into_step_error, kind_of,
};
pub use crate::function_target::{FunctionTarget, MissingFunctionConfig};
pub use crate::retry::{Jitter, RetryPolicy, never_retry};
pub use crate::spec_hash::check_spec_hash;
pub use crate::workflow_failed::workflow_failed;

/// A boxed handler future, the shape `aws_durable_execution_sdk::run` and `wrap` accept from a
/// function that returns a closure.
pub type HandlerFuture<O> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<O, BoxError>> + Send + 'static>>;

/// Turns a failure of no declared kind into the handler's error.
pub fn uncaught(error: OperationError) -> BoxError {
    Box::new(error)
}
