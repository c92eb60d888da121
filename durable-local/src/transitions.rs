//! The operation state machine: how one `OperationUpdate` changes an execution, and how due
//! timers change it. Pure functions over [`Execution`]; the service persists what they return.

use serde_json::{Value, json};

use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, StoredOp};
use crate::wire::{
    ErrorObject, OperationAction, OperationStatus, OperationType, OperationUpdate, to_wire_seconds,
};

/// Largest operation payload the API accepts (6 MiB).
pub(crate) const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// Largest callback result the API accepts (1 MiB).
pub(crate) const MAX_CALLBACK_RESULT_BYTES: usize = 1024 * 1024;
/// Largest error object the API accepts (32 KiB).
pub(crate) const MAX_ERROR_BYTES: usize = 32 * 1024;

/// What applying changes produced, for the service to persist and act on.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Ids of the operations that changed, in order of first change.
    pub(crate) ops: Vec<String>,
    /// History events to record (EventId is assigned when persisted).
    pub(crate) events: Vec<Value>,
    /// Chained invokes started by this change (operation ids).
    pub(crate) started_invokes: Vec<String>,
    /// The execution finished through an EXECUTION update.
    pub(crate) finished: bool,
}

impl Changes {
    fn touch(&mut self, id: &str) {
        if !self.ops.iter().any(|o| o == id) {
            self.ops.push(id.to_owned());
        }
    }
}

/// Converts requested seconds into a real delay in ms under the configured time control.
pub(crate) type Scale<'a> = &'a dyn Fn(i64) -> i64;

/// The delays of one checkpoint: waits and retries, and callback timeouts.
pub(crate) struct Delays<'a> {
    /// Waits and retry delays.
    pub(crate) timer: Scale<'a>,
    /// Callback timeouts and heartbeat timeouts.
    pub(crate) callback: Scale<'a>,
}

/// A history event about an operation.
pub(crate) fn op_event(op: &StoredOp, event_type: &str, details: Option<Value>, now: i64) -> Value {
    let mut ev = serde_json::Map::new();
    ev.insert("EventType".into(), json!(event_type));
    if let Some(s) = &op.sub_type {
        ev.insert("SubType".into(), json!(s));
    }
    ev.insert("Id".into(), json!(op.id));
    if let Some(n) = &op.name {
        ev.insert("Name".into(), json!(n));
    }
    if let Some(p) = &op.parent_id {
        ev.insert("ParentId".into(), json!(p));
    }
    ev.insert("EventTimestamp".into(), json!(to_wire_seconds(now)));
    if let Some(d) = details {
        ev.insert(format!("{event_type}Details"), d);
    }
    Value::Object(ev)
}

fn payload_detail(p: &Option<String>) -> Value {
    json!({"Result": {"Payload": p.clone().unwrap_or_default(), "Truncated": false}})
}

fn error_detail(e: &Option<ErrorObject>) -> Value {
    json!({"Error": {"Payload": e.clone().unwrap_or_default(), "Truncated": false}})
}

fn kind_prefix(t: OperationType) -> &'static str {
    match t {
        OperationType::Execution => "Execution",
        OperationType::Context => "Context",
        OperationType::Step => "Step",
        OperationType::Wait => "Wait",
        OperationType::Callback => "Callback",
        OperationType::ChainedInvoke => "ChainedInvoke",
    }
}

/// Records the terminal event of an operation that just reached `op.status`.
pub(crate) fn terminal_event(op: &StoredOp, now: i64) -> Value {
    let prefix = kind_prefix(op.op_type);
    let retry = json!({"CurrentAttempt": op.attempt});
    let (suffix, details) = match op.status {
        OperationStatus::Succeeded => {
            let mut d = payload_detail(&op.result);
            if op.op_type == OperationType::Step
                && let Some(m) = d.as_object_mut()
            {
                m.insert("RetryDetails".into(), retry);
            }
            if op.op_type == OperationType::Wait {
                d = json!({"Duration": op.wait_seconds.unwrap_or(0)});
            }
            ("Succeeded", d)
        }
        OperationStatus::Failed => {
            let mut d = error_detail(&op.error);
            if op.op_type == OperationType::Step
                && let Some(m) = d.as_object_mut()
            {
                m.insert("RetryDetails".into(), retry);
            }
            ("Failed", d)
        }
        OperationStatus::TimedOut => ("TimedOut", error_detail(&op.error)),
        OperationStatus::Stopped => ("Stopped", error_detail(&op.error)),
        _ => ("Cancelled", error_detail(&op.error)),
    };
    op_event(op, &format!("{prefix}{suffix}"), Some(details), now)
}

fn check_payload(p: &Option<String>, limit: usize) -> ServiceResult<()> {
    match p {
        Some(p) if p.len() > limit => Err(ServiceError::InvalidParameterValue(format!(
            "Payload size {} exceeds the maximum of {limit} bytes",
            p.len()
        ))),
        _ => Ok(()),
    }
}

/// Validates an error object against the API's limit.
pub(crate) fn check_error(e: &Option<ErrorObject>) -> ServiceResult<()> {
    match e {
        Some(e) if e.size() > MAX_ERROR_BYTES => Err(ServiceError::InvalidParameterValue(format!(
            "Error object size {} exceeds the maximum of {MAX_ERROR_BYTES} bytes",
            e.size()
        ))),
        _ => Ok(()),
    }
}

fn invalid(msg: String) -> ServiceError {
    ServiceError::InvalidParameterValue(msg)
}

/// Applies one update of a checkpoint to `exec`.
pub(crate) fn apply_update(
    exec: &mut Execution,
    u: &OperationUpdate,
    now: i64,
    delays: &Delays<'_>,
    mint_callback_id: &mut dyn FnMut() -> String,
    changes: &mut Changes,
) -> ServiceResult<()> {
    check_payload(&u.payload, MAX_PAYLOAD_BYTES)?;
    check_error(&u.error)?;
    if u.id.is_empty() || u.id.len() > 64 {
        return Err(invalid(format!("Invalid operation id '{}'", u.id)));
    }
    if u.op_type == OperationType::Execution {
        return apply_execution_update(exec, u, now, changes);
    }
    if let Some(parent) = &u.parent_id
        && exec.op(parent).is_none()
    {
        return Err(invalid(format!(
            "Parent operation {parent} of {} does not exist",
            u.id
        )));
    }
    let existing = exec.op(&u.id).map(|o| (o.op_type, o.status));
    if let Some((t, _)) = existing
        && t != u.op_type
    {
        return Err(invalid(format!(
            "Operation {} is a {t:?}, not a {:?}",
            u.id, u.op_type
        )));
    }
    match u.action {
        OperationAction::Start => start(
            exec,
            u,
            existing.map(|e| e.1),
            now,
            delays,
            mint_callback_id,
            changes,
        ),
        OperationAction::Succeed | OperationAction::Fail => {
            finish(exec, u, existing.map(|e| e.1), now, changes)
        }
        OperationAction::Retry => retry(exec, u, existing.map(|e| e.1), now, delays, changes),
        OperationAction::Cancel => cancel(exec, u, existing.map(|e| e.1), now, changes),
    }
}

fn apply_execution_update(
    exec: &mut Execution,
    u: &OperationUpdate,
    now: i64,
    changes: &mut Changes,
) -> ServiceResult<()> {
    use crate::wire::ExecutionStatus;
    match u.action {
        OperationAction::Succeed => {
            exec.header.status = ExecutionStatus::Succeeded;
            exec.header.result = u.payload.clone();
        }
        OperationAction::Fail => {
            exec.header.status = ExecutionStatus::Failed;
            exec.header.error = u.error.clone();
        }
        other => {
            return Err(invalid(format!(
                "Action {other:?} is not allowed on the EXECUTION operation"
            )));
        }
    }
    exec.header.end_ms = Some(now);
    changes.finished = true;
    Ok(())
}

fn start(
    exec: &mut Execution,
    u: &OperationUpdate,
    existing: Option<OperationStatus>,
    now: i64,
    delays: &Delays<'_>,
    mint_callback_id: &mut dyn FnMut() -> String,
    changes: &mut Changes,
) -> ServiceResult<()> {
    match existing {
        None => {
            let mut op = StoredOp::new(&u.id, u.op_type, OperationStatus::Started, now);
            op.parent_id = u.parent_id.clone();
            op.name = u.name.clone();
            op.sub_type = u.sub_type.clone();
            exec.push_op(op);
        }
        // A step whose retry delay elapsed starts its next attempt.
        Some(OperationStatus::Ready) if u.op_type == OperationType::Step => {}
        // An interrupted attempt restarting is idempotent.
        Some(OperationStatus::Started) if u.op_type == OperationType::Step => return Ok(()),
        Some(s) => {
            return Err(invalid(format!(
                "Cannot START operation {} in status {s:?}",
                u.id
            )));
        }
    }
    let Some(op) = exec.op_mut(&u.id) else {
        return Err(ServiceError::Internal(format!(
            "operation {} vanished",
            u.id
        )));
    };
    op.status = OperationStatus::Started;
    op.next_attempt_ms = None;
    let mut details = None;
    match u.op_type {
        OperationType::Context => {
            op.replay_children = u.context_options.as_ref().and_then(|c| c.replay_children);
        }
        OperationType::Wait => {
            let secs = u
                .wait_options
                .as_ref()
                .and_then(|w| w.wait_seconds)
                .unwrap_or(0);
            if !(1..=31_622_400).contains(&secs) {
                return Err(invalid(format!(
                    "WaitSeconds {secs} is out of range 1..31622400"
                )));
            }
            let end = now + (delays.timer)(secs);
            op.wait_seconds = Some(secs);
            op.scheduled_end_ms = Some(end);
            details =
                Some(json!({"Duration": secs, "ScheduledEndTimestamp": to_wire_seconds(end)}));
        }
        OperationType::Callback => {
            let opts = u.callback_options.clone().unwrap_or_default();
            let timeout = opts.timeout_seconds.unwrap_or(0);
            let heartbeat = opts.heartbeat_timeout_seconds.unwrap_or(0);
            let id = mint_callback_id();
            op.callback_id = Some(id.clone());
            op.callback_timeout_s = (timeout > 0).then_some(timeout);
            op.callback_deadline_ms = (timeout > 0).then(|| now + (delays.callback)(timeout));
            op.heartbeat_timeout_s = (heartbeat > 0).then_some(heartbeat);
            op.heartbeat_deadline_ms = (heartbeat > 0).then(|| now + (delays.callback)(heartbeat));
            details =
                Some(json!({"CallbackId": id, "Timeout": timeout, "HeartbeatTimeout": heartbeat}));
        }
        OperationType::ChainedInvoke => {
            let Some(opts) = &u.chained_invoke_options else {
                return Err(invalid(format!(
                    "ChainedInvokeOptions.FunctionName is required to start {}",
                    u.id
                )));
            };
            op.invoke_function = Some(opts.function_name.clone());
            op.invoke_input = u.payload.clone();
            details = Some(json!({"FunctionName": opts.function_name,
                "Input": {"Payload": u.payload.clone().unwrap_or_default(), "Truncated": false}}));
            changes.started_invokes.push(u.id.clone());
        }
        OperationType::Step => {
            details = Some(json!({}));
        }
        OperationType::Execution => {}
    }
    let event_type = format!("{}Started", kind_prefix(u.op_type));
    changes.events.push(op_event(op, &event_type, details, now));
    changes.touch(&u.id);
    Ok(())
}

fn finish(
    exec: &mut Execution,
    u: &OperationUpdate,
    existing: Option<OperationStatus>,
    now: i64,
    changes: &mut Changes,
) -> ServiceResult<()> {
    let succeed = u.action == OperationAction::Succeed;
    if !matches!(u.op_type, OperationType::Step | OperationType::Context) {
        return Err(invalid(format!(
            "Action {:?} is not allowed on a {:?} operation",
            u.action, u.op_type
        )));
    }
    if !succeed && u.payload.is_some() && u.op_type == OperationType::Step {
        return Err(invalid(format!(
            "FAIL of step {} must not carry a payload",
            u.id
        )));
    }
    match existing {
        None => {
            let mut op = StoredOp::new(&u.id, u.op_type, OperationStatus::Started, now);
            op.parent_id = u.parent_id.clone();
            op.name = u.name.clone();
            op.sub_type = u.sub_type.clone();
            exec.push_op(op);
        }
        Some(OperationStatus::Started | OperationStatus::Ready | OperationStatus::Pending) => {}
        Some(s) => {
            return Err(invalid(format!(
                "Cannot {:?} operation {} in status {s:?}",
                u.action, u.id
            )));
        }
    }
    let Some(op) = exec.op_mut(&u.id) else {
        return Err(ServiceError::Internal(format!(
            "operation {} vanished",
            u.id
        )));
    };
    op.end_ms = Some(now);
    op.next_attempt_ms = None;
    if succeed {
        op.status = OperationStatus::Succeeded;
        op.result = u.payload.clone();
        op.error = None;
    } else {
        op.status = OperationStatus::Failed;
        op.error = u.error.clone();
        op.result = None;
    }
    changes.events.push(terminal_event(op, now));
    changes.touch(&u.id);
    Ok(())
}

fn retry(
    exec: &mut Execution,
    u: &OperationUpdate,
    existing: Option<OperationStatus>,
    now: i64,
    delays: &Delays<'_>,
    changes: &mut Changes,
) -> ServiceResult<()> {
    if u.op_type != OperationType::Step {
        return Err(invalid(format!(
            "RETRY is only allowed on STEP, not {:?}",
            u.op_type
        )));
    }
    match existing {
        Some(OperationStatus::Started | OperationStatus::Ready) => {}
        None => {
            let mut op = StoredOp::new(&u.id, u.op_type, OperationStatus::Started, now);
            op.parent_id = u.parent_id.clone();
            op.name = u.name.clone();
            op.sub_type = u.sub_type.clone();
            exec.push_op(op);
        }
        Some(s) => {
            return Err(invalid(format!(
                "Cannot RETRY operation {} in status {s:?}",
                u.id
            )));
        }
    }
    let delay = u
        .step_options
        .as_ref()
        .and_then(|s| s.next_attempt_delay_seconds)
        .unwrap_or(1);
    if !(1..=31_622_400).contains(&delay) {
        return Err(invalid(format!(
            "NextAttemptDelaySeconds {delay} is out of range 1..31622400"
        )));
    }
    let Some(op) = exec.op_mut(&u.id) else {
        return Err(ServiceError::Internal(format!(
            "operation {} vanished",
            u.id
        )));
    };
    op.status = OperationStatus::Pending;
    op.attempt += 1;
    op.next_attempt_ms = Some(now + (delays.timer)(delay));
    op.next_attempt_delay_s = Some(delay);
    op.error = u.error.clone();
    if u.payload.is_some() {
        op.result = u.payload.clone();
    }
    let details = json!({"Error": {"Payload": u.error.clone().unwrap_or_default(), "Truncated": false},
        "RetryDetails": {"CurrentAttempt": op.attempt, "NextAttemptDelaySeconds": delay}});
    changes
        .events
        .push(op_event(op, "StepFailed", Some(details), now));
    changes.touch(&u.id);
    Ok(())
}

fn cancel(
    exec: &mut Execution,
    u: &OperationUpdate,
    existing: Option<OperationStatus>,
    now: i64,
    changes: &mut Changes,
) -> ServiceResult<()> {
    match existing {
        Some(s) if !s.is_terminal() => {}
        Some(s) => {
            return Err(invalid(format!(
                "Cannot CANCEL operation {} in status {s:?}",
                u.id
            )));
        }
        None => return Err(invalid(format!("Cannot CANCEL unknown operation {}", u.id))),
    }
    let Some(op) = exec.op_mut(&u.id) else {
        return Err(ServiceError::Internal(format!(
            "operation {} vanished",
            u.id
        )));
    };
    op.status = OperationStatus::Cancelled;
    op.end_ms = Some(now);
    changes.events.push(terminal_event(op, now));
    changes.touch(&u.id);
    Ok(())
}

/// Fires every timer of `exec` due at `now`: waits end, retries become READY, callbacks time
/// out. Returns whether anything changed.
pub(crate) fn fire_due_timers(exec: &mut Execution, now: i64, changes: &mut Changes) -> bool {
    let mut fired = false;
    for op in &mut exec.ops {
        let Some(due) = op.due_ms() else { continue };
        if due > now {
            continue;
        }
        match op.op_type {
            OperationType::Wait => {
                op.status = OperationStatus::Succeeded;
                op.end_ms = Some(now);
                changes.events.push(terminal_event(op, now));
            }
            OperationType::Step => {
                op.status = OperationStatus::Ready;
                op.next_attempt_ms = None;
            }
            OperationType::Callback => {
                let heartbeat = op.heartbeat_deadline_ms.is_some_and(|h| h <= now)
                    && op.callback_deadline_ms.is_none_or(|d| d > now);
                op.status = OperationStatus::TimedOut;
                op.end_ms = Some(now);
                op.error = Some(if heartbeat {
                    ErrorObject::new(
                        "Callback.Timeout",
                        "Callback timed out waiting for a heartbeat",
                    )
                } else {
                    ErrorObject::new("Callback.Timeout", "Callback timed out")
                });
                changes.events.push(terminal_event(op, now));
            }
            _ => continue,
        }
        changes.touch(&op.id.clone());
        fired = true;
    }
    fired
}
