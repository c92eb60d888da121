//! The stored form of executions and operations, and how they render on the wire.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType, to_wire_seconds};

/// One operation as the service keeps it: the wire fields plus the service's own timers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredOp {
    /// Operation id.
    pub(crate) id: String,
    /// Parent operation id.
    pub(crate) parent_id: Option<String>,
    /// Name.
    pub(crate) name: Option<String>,
    /// Type.
    pub(crate) op_type: OperationType,
    /// SDK sub-type.
    pub(crate) sub_type: Option<String>,
    /// Status.
    pub(crate) status: OperationStatus,
    /// Start, epoch ms.
    pub(crate) start_ms: i64,
    /// End, epoch ms.
    pub(crate) end_ms: Option<i64>,
    /// Result payload (step, context, callback, chained invoke) or wait_for_condition state.
    pub(crate) result: Option<String>,
    /// Error.
    pub(crate) error: Option<ErrorObject>,
    /// Step attempts recorded so far.
    pub(crate) attempt: u32,
    /// Step: when the pending retry becomes ready, epoch ms.
    pub(crate) next_attempt_ms: Option<i64>,
    /// Step: the requested retry delay (for history).
    pub(crate) next_attempt_delay_s: Option<i64>,
    /// Context: replay children.
    pub(crate) replay_children: Option<bool>,
    /// Wait: requested seconds.
    pub(crate) wait_seconds: Option<i64>,
    /// Wait: when it ends, epoch ms.
    pub(crate) scheduled_end_ms: Option<i64>,
    /// Callback: minted id.
    pub(crate) callback_id: Option<String>,
    /// Callback: requested timeout.
    pub(crate) callback_timeout_s: Option<i64>,
    /// Callback: overall deadline, epoch ms.
    pub(crate) callback_deadline_ms: Option<i64>,
    /// Callback: requested heartbeat timeout.
    pub(crate) heartbeat_timeout_s: Option<i64>,
    /// Callback: heartbeat deadline, epoch ms.
    pub(crate) heartbeat_deadline_ms: Option<i64>,
    /// Chained invoke: target function.
    pub(crate) invoke_function: Option<String>,
    /// Chained invoke: input payload.
    pub(crate) invoke_input: Option<String>,
    /// Execution op: the input payload.
    pub(crate) input_payload: Option<String>,
}

impl StoredOp {
    /// A new operation in `status`.
    pub(crate) fn new(id: &str, op_type: OperationType, status: OperationStatus, now: i64) -> Self {
        Self {
            id: id.to_owned(),
            parent_id: None,
            name: None,
            op_type,
            sub_type: None,
            status,
            start_ms: now,
            end_ms: None,
            result: None,
            error: None,
            attempt: 0,
            next_attempt_ms: None,
            next_attempt_delay_s: None,
            replay_children: None,
            wait_seconds: None,
            scheduled_end_ms: None,
            callback_id: None,
            callback_timeout_s: None,
            callback_deadline_ms: None,
            heartbeat_timeout_s: None,
            heartbeat_deadline_ms: None,
            invoke_function: None,
            invoke_input: None,
            input_payload: None,
        }
    }

    /// The earliest time this operation's own timer is due, if it has one running.
    pub(crate) fn due_ms(&self) -> Option<i64> {
        match (self.op_type, self.status) {
            (OperationType::Wait, OperationStatus::Started) => self.scheduled_end_ms,
            (OperationType::Step, OperationStatus::Pending) => self.next_attempt_ms,
            (OperationType::Callback, OperationStatus::Started) => {
                match (self.callback_deadline_ms, self.heartbeat_deadline_ms) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            _ => None,
        }
    }

    /// The operation as the API's `Operation` structure.
    pub(crate) fn to_wire(&self) -> Value {
        let mut op = serde_json::Map::new();
        op.insert("Id".into(), json!(self.id));
        if let Some(p) = &self.parent_id {
            op.insert("ParentId".into(), json!(p));
        }
        if let Some(n) = &self.name {
            op.insert("Name".into(), json!(n));
        }
        op.insert("Type".into(), json!(self.op_type));
        if let Some(s) = &self.sub_type {
            op.insert("SubType".into(), json!(s));
        }
        op.insert(
            "StartTimestamp".into(),
            json!(to_wire_seconds(self.start_ms)),
        );
        if let Some(e) = self.end_ms {
            op.insert("EndTimestamp".into(), json!(to_wire_seconds(e)));
        }
        op.insert("Status".into(), json!(self.status));
        let mut details = serde_json::Map::new();
        if let Some(r) = &self.result {
            details.insert("Result".into(), json!(r));
        }
        if let Some(e) = &self.error {
            details.insert("Error".into(), json!(e));
        }
        match self.op_type {
            OperationType::Execution => {
                op.insert(
                    "ExecutionDetails".into(),
                    json!({"InputPayload": self.input_payload.clone().unwrap_or_default()}),
                );
            }
            OperationType::Context => {
                if let Some(r) = self.replay_children {
                    details.insert("ReplayChildren".into(), json!(r));
                }
                op.insert("ContextDetails".into(), Value::Object(details));
            }
            OperationType::Step => {
                details.insert("Attempt".into(), json!(self.attempt));
                if let Some(n) = self.next_attempt_ms {
                    details.insert("NextAttemptTimestamp".into(), json!(to_wire_seconds(n)));
                }
                op.insert("StepDetails".into(), Value::Object(details));
            }
            OperationType::Wait => {
                let mut w = serde_json::Map::new();
                if let Some(s) = self.scheduled_end_ms {
                    w.insert("ScheduledEndTimestamp".into(), json!(to_wire_seconds(s)));
                }
                op.insert("WaitDetails".into(), Value::Object(w));
            }
            OperationType::Callback => {
                if let Some(c) = &self.callback_id {
                    details.insert("CallbackId".into(), json!(c));
                }
                op.insert("CallbackDetails".into(), Value::Object(details));
            }
            OperationType::ChainedInvoke => {
                op.insert("ChainedInvokeDetails".into(), Value::Object(details));
            }
        }
        Value::Object(op)
    }
}

/// The link from a child execution to the CHAINED_INVOKE operation that started it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent execution.
    pub arn: String,
    /// The CHAINED_INVOKE operation in the parent.
    pub op_id: String,
}

/// Everything about an execution except its operations (one row of `executions`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExecutionHeader {
    /// ARN.
    pub(crate) arn: String,
    /// Function name.
    pub(crate) function_name: String,
    /// Execution name.
    pub(crate) name: String,
    /// Input payload (JSON text).
    pub(crate) input: String,
    /// Status.
    pub(crate) status: ExecutionStatus,
    /// Result payload, when SUCCEEDED.
    pub(crate) result: Option<String>,
    /// Error, when FAILED, TIMED_OUT or STOPPED.
    pub(crate) error: Option<ErrorObject>,
    /// Start, epoch ms.
    pub(crate) start_ms: i64,
    /// End, epoch ms.
    pub(crate) end_ms: Option<i64>,
    /// Execution timeout in seconds.
    pub(crate) timeout_s: i64,
    /// When the execution times out, epoch ms.
    pub(crate) deadline_ms: i64,
    /// The chained invoke that started this execution, if any.
    pub(crate) parent: Option<ParentLink>,
    /// Number of history events recorded (recomputed from the events table on load).
    #[serde(skip)]
    pub(crate) event_count: i64,
    /// Number of invocations made since the service was opened.
    #[serde(skip)]
    pub(crate) invocations: i64,
}

/// An execution in memory: header, operations in creation order, and volatile bookkeeping.
#[derive(Debug, Clone)]
pub(crate) struct Execution {
    /// The persisted header.
    pub(crate) header: ExecutionHeader,
    /// Operations; `ops[0]` is the EXECUTION operation.
    pub(crate) ops: Vec<StoredOp>,
    /// Position of each operation in `ops`.
    pub(crate) index: HashMap<String, usize>,
    /// The current checkpoint token (not persisted: every invocation gets a new one).
    pub(crate) token: Option<String>,
    /// Bumped on every change made outside the handler (timer, callback, child completion).
    pub(crate) generation: u64,
    /// The last checkpoint applied: (token it used, its ClientToken, the response), so a
    /// retried request with the same ClientToken gets the same answer instead of a stale-token
    /// error.
    pub(crate) last_checkpoint: Option<(String, String, serde_json::Value)>,
    /// The header as last written, to skip rewriting an unchanged header.
    pub(crate) persisted_header: Option<String>,
}

impl Execution {
    /// Builds the in-memory form from stored parts.
    pub(crate) fn from_parts(header: ExecutionHeader, ops: Vec<StoredOp>) -> Self {
        let index = ops
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        Self {
            header,
            ops,
            index,
            token: None,
            generation: 0,
            last_checkpoint: None,
            persisted_header: None,
        }
    }

    /// The operation with `id`.
    pub(crate) fn op(&self, id: &str) -> Option<&StoredOp> {
        self.index.get(id).and_then(|i| self.ops.get(*i))
    }

    /// The operation with `id`, mutable.
    pub(crate) fn op_mut(&mut self, id: &str) -> Option<&mut StoredOp> {
        match self.index.get(id) {
            Some(i) => self.ops.get_mut(*i),
            None => None,
        }
    }

    /// Appends a new operation, returning its position.
    pub(crate) fn push_op(&mut self, op: StoredOp) -> usize {
        let pos = self.ops.len();
        self.index.insert(op.id.clone(), pos);
        self.ops.push(op);
        pos
    }

    /// Whether the execution is still running.
    pub(crate) fn is_running(&self) -> bool {
        self.header.status == ExecutionStatus::Running
    }

    /// The earliest due timer of the execution, including its own timeout.
    pub(crate) fn next_due_ms(&self) -> Option<i64> {
        let ops_due = self.ops.iter().filter_map(StoredOp::due_ms).min();
        Some(ops_due.map_or(self.header.deadline_ms, |d| d.min(self.header.deadline_ms)))
    }
}
