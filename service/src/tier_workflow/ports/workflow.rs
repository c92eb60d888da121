//! Starting durable executions and completing their callbacks: durable-local in-process here, the Lambda API
//! (`Invoke` with `X-Amz-Durable-Execution-Name`, `SendDurableExecutionCallbackSuccess`) in AWS.

use std::future::Future;

/// Failures worth retrying (the message goes back to its queue).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The durable-execution service failed or could not be reached.
    #[error("durable execution service: {0}")]
    Unavailable(String),
}

/// What a start did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new execution, or the same request again (the service returns the existing execution).
    Started {
        /// The execution ARN.
        arn: String,
    },
    /// An execution of this name already exists with another input (`DurableExecutionAlreadyStartedException`):
    /// the upgrade to that tier is already under way (behaviour F10), a success.
    AlreadyStarted,
}

/// Starts durable executions asynchronously, idempotent by execution name.
pub trait WorkflowStarter: Send + Sync {
    /// Starts `function` with `input` (JSON) under `execution_name`; does not wait for it to finish.
    fn start(
        &self,
        function: &str,
        execution_name: &str,
        input: &serde_json::Value,
    ) -> impl Future<Output = Result<StartOutcome, WorkflowError>> + Send;
}

/// What completing a callback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The callback was waiting and is now completed.
    Completed,
    /// The callback was already completed, timed out, or is unknown: nothing left to do (behaviour F12).
    AlreadySettled {
        /// What the service said.
        reason: String,
    },
}

/// Completes durable-execution callbacks.
pub trait CallbackSender: Send + Sync {
    /// Sends success with `result` (JSON) to the callback `callback_id`.
    fn send_success(
        &self,
        callback_id: &str,
        result: &serde_json::Value,
    ) -> impl Future<Output = Result<CallbackOutcome, WorkflowError>> + Send;
}
