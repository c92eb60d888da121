//! The restJson1 shapes of the Lambda durable-execution API (aws-sdk-lambda 1.156), as the
//! service side reads and writes them. Field names are the wire names; timestamps are held in
//! epoch milliseconds internally and written as epoch seconds (with a fraction) on the wire.

use serde::{Deserialize, Serialize};

/// Converts epoch milliseconds to the wire's epoch seconds.
pub(crate) fn to_wire_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// `ErrorObject`: how failures travel on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorObject {
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Error type name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Opaque error data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    /// Stack trace entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    /// An error with a type and a message.
    pub fn new(error_type: &str, message: &str) -> Self {
        Self {
            error_type: Some(error_type.to_owned()),
            error_message: Some(message.to_owned()),
            ..Self::default()
        }
    }

    /// Approximate serialized size, used for the 32 KiB error limit.
    pub(crate) fn size(&self) -> usize {
        self.error_message.as_ref().map_or(0, String::len)
            + self.error_type.as_ref().map_or(0, String::len)
            + self.error_data.as_ref().map_or(0, String::len)
            + self
                .stack_trace
                .as_ref()
                .map_or(0, |t| t.iter().map(String::len).sum())
    }
}

/// `OperationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    /// The execution itself.
    Execution,
    /// A child context (parallel, map, run_in_child_context, wait_for_callback).
    Context,
    /// A step (also wait_for_condition).
    Step,
    /// A durable wait.
    Wait,
    /// An external callback.
    Callback,
    /// An invoke of another function.
    ChainedInvoke,
}

/// `OperationAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationAction {
    /// Start an operation.
    Start,
    /// Succeed an operation.
    Succeed,
    /// Fail an operation.
    Fail,
    /// Schedule another attempt of a step.
    Retry,
    /// Cancel an operation.
    Cancel,
}

/// `OperationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    /// Running.
    Started,
    /// Waiting for a retry delay.
    Pending,
    /// Retry delay elapsed: the next invocation runs the next attempt.
    Ready,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Timed out.
    TimedOut,
    /// Stopped.
    Stopped,
}

impl OperationStatus {
    /// Whether the status is final.
    pub(crate) fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::TimedOut | Self::Stopped
        )
    }
}

/// `ExecutionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Running.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Exceeded its execution timeout.
    TimedOut,
    /// Stopped by StopDurableExecution.
    Stopped,
}

impl ExecutionStatus {
    /// The wire spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
            Self::Stopped => "STOPPED",
        }
    }

    /// Parses the wire spelling.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "RUNNING" => Some(Self::Running),
            "SUCCEEDED" => Some(Self::Succeeded),
            "FAILED" => Some(Self::Failed),
            "TIMED_OUT" => Some(Self::TimedOut),
            "STOPPED" => Some(Self::Stopped),
            _ => None,
        }
    }
}

/// `ContextOptions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextOptions {
    /// Keep and replay the children.
    pub replay_children: Option<bool>,
}

/// `StepOptions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    /// Delay before the next attempt.
    pub next_attempt_delay_seconds: Option<i64>,
}

/// `WaitOptions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    /// Duration of the wait.
    pub wait_seconds: Option<i64>,
}

/// `CallbackOptions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    /// Overall timeout (0 = none).
    pub timeout_seconds: Option<i64>,
    /// Heartbeat timeout (0 = none).
    pub heartbeat_timeout_seconds: Option<i64>,
}

/// `ChainedInvokeOptions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    /// Target function.
    pub function_name: String,
    /// Tenant id.
    pub tenant_id: Option<String>,
}

/// `OperationUpdate`: one change the SDK checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    /// Operation id.
    pub id: String,
    /// Parent operation id.
    pub parent_id: Option<String>,
    /// Operation name.
    pub name: Option<String>,
    /// Operation type.
    #[serde(rename = "Type")]
    pub op_type: OperationType,
    /// SDK sub-type.
    pub sub_type: Option<String>,
    /// Action.
    pub action: OperationAction,
    /// Result or input payload.
    pub payload: Option<String>,
    /// Error.
    pub error: Option<ErrorObject>,
    /// Context options.
    pub context_options: Option<ContextOptions>,
    /// Step options.
    pub step_options: Option<StepOptions>,
    /// Wait options.
    pub wait_options: Option<WaitOptions>,
    /// Callback options.
    pub callback_options: Option<CallbackOptions>,
    /// Chained-invoke options.
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

/// `CheckpointDurableExecution` request body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CheckpointRequest {
    /// The token the caller holds.
    pub(crate) checkpoint_token: Option<String>,
    /// The updates, applied in order.
    #[serde(default)]
    pub(crate) updates: Vec<OperationUpdate>,
    /// Idempotency token.
    pub(crate) client_token: Option<String>,
}
