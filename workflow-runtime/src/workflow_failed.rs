//! The failure of a workflow that reached a `fail` step or a catch that fails.

use aws_durable_execution_sdk::{BoxError, TypedError};

/// The workflow failed on purpose, as its spec says.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("workflow failed at step `{step}`: {message}")]
pub struct WorkflowFailed {
    /// The YAML id of the step that failed the workflow.
    pub step: &'static str,
    /// The message written in the spec.
    pub message: &'static str,
}

/// The handler error for a spec-defined failure; the history records `ErrorType: "WorkflowFailed"`.
pub fn workflow_failed(step: &'static str, message: &'static str) -> BoxError {
    Box::new(TypedError::with_type(
        "WorkflowFailed",
        WorkflowFailed { step, message },
    ))
}
