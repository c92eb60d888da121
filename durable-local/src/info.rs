//! What the public API reports about an execution and its operations.

use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};

/// The state of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionInfo {
    /// ARN.
    pub arn: String,
    /// Function name.
    pub function_name: String,
    /// Execution name.
    pub name: String,
    /// Status.
    pub status: ExecutionStatus,
    /// Result (JSON text) when SUCCEEDED.
    pub result: Option<String>,
    /// Error when FAILED, TIMED_OUT or STOPPED.
    pub error: Option<ErrorObject>,
    /// Number of handler invocations so far.
    pub invocations: i64,
}

/// One operation of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationInfo {
    /// Id.
    pub id: String,
    /// Parent id.
    pub parent_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Type.
    pub op_type: OperationType,
    /// SDK sub-type.
    pub sub_type: Option<String>,
    /// Status.
    pub status: OperationStatus,
    /// Step attempts recorded.
    pub attempt: u32,
    /// Result payload.
    pub result: Option<String>,
    /// Error.
    pub error: Option<ErrorObject>,
    /// Callback id of a CALLBACK operation.
    pub callback_id: Option<String>,
}
