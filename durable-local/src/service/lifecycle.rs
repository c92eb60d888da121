//! How executions move on without the handler: timers, the execution timeout, completion,
//! chained-invoke results and StopDurableExecution.

use serde_json::json;

use super::{DueState, InvokeRequest, Outcome, Service, invalid};
use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, ParentLink};
use crate::time::now_ms;
use crate::transitions::{self, Changes};
use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};

impl Service {
    /// Fires the due timers of `arn` (and its execution timeout).
    pub(crate) fn fire_due(&self, arn: &str) -> ServiceResult<DueState> {
        let mut inner = self.lock();
        let Some(current) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        let now = now_ms();
        let mut state = DueState {
            running: current.is_running(),
            generation: current.generation,
            next_due_ms: current.next_due_ms(),
        };
        if !state.running || state.next_due_ms.is_none_or(|d| d > now) {
            return Ok(state);
        }
        let mut exec = current.clone();
        let mut changes = Changes::default();
        let timed_out = exec.header.deadline_ms <= now;
        if timed_out {
            let message = format!(
                "Execution timed out after {} seconds",
                exec.header.timeout_s
            );
            let error = ErrorObject::new("Execution.TimedOut", &message);
            finish_in_place(&mut exec, &Outcome::TimedOut(error), now, &mut changes);
        } else if transitions::fire_due_timers(&mut exec, now, &mut changes) {
            exec.generation += 1;
        }
        let parent = exec.header.parent.clone();
        state = DueState {
            running: exec.is_running(),
            generation: exec.generation,
            next_due_ms: exec.next_due_ms(),
        };
        let ticket = inner.commit(exec, &changes)?;
        drop(inner);
        self.durable(ticket)?;
        if timed_out {
            self.after_finish(arn, parent);
        }
        Ok(state)
    }

    /// Records the outcome the handler returned (or a terminal failure).
    pub(crate) fn complete_execution(&self, arn: &str, outcome: &Outcome) -> ServiceResult<()> {
        let mut inner = self.lock();
        let Some(current) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        if !current.is_running() {
            return Ok(());
        }
        let mut exec = current.clone();
        let mut changes = Changes::default();
        finish_in_place(&mut exec, outcome, now_ms(), &mut changes);
        let parent = exec.header.parent.clone();
        let ticket = inner.commit(exec, &changes)?;
        drop(inner);
        self.durable(ticket)?;
        self.after_finish(arn, parent);
        Ok(())
    }

    /// Sets the result of a CHAINED_INVOKE operation and wakes its execution.
    pub(crate) fn complete_chained_invoke(
        &self,
        parent_arn: &str,
        op_id: &str,
        outcome: &Outcome,
    ) -> ServiceResult<()> {
        let mut inner = self.lock();
        let Some(current) = inner.execs.get(parent_arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {parent_arn} not found"
            )));
        };
        let open = current.op(op_id).is_some_and(|o| !o.status.is_terminal());
        if !current.is_running() || !open {
            return Ok(());
        }
        let mut exec = current.clone();
        let now = now_ms();
        let mut changes = Changes::default();
        if let Some(op) = exec.op_mut(op_id) {
            let (status, result, error) = match outcome {
                Outcome::Succeeded(r) => (OperationStatus::Succeeded, r.clone(), None),
                Outcome::Failed(e) => (OperationStatus::Failed, None, Some(e.clone())),
                Outcome::TimedOut(e) => (OperationStatus::TimedOut, None, Some(e.clone())),
                Outcome::Stopped(e) => (OperationStatus::Stopped, None, Some(e.clone())),
            };
            op.status = status;
            op.result = result;
            op.error = error;
            op.end_ms = Some(now);
            changes.events.push(transitions::terminal_event(op, now));
            changes.ops.push(op_id.to_owned());
        }
        exec.generation += 1;
        let ticket = inner.commit(exec, &changes)?;
        let waker = inner.waker(parent_arn);
        drop(inner);
        self.durable(ticket)?;
        waker.notify_one();
        Ok(())
    }

    /// StopDurableExecution. Returns the stop timestamp (epoch ms).
    pub(crate) fn stop(&self, arn: &str, error: Option<ErrorObject>) -> ServiceResult<i64> {
        transitions::check_error(&error)?;
        let now = now_ms();
        let mut inner = self.lock();
        let Some(current) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        if !current.is_running() {
            return Err(invalid(format!(
                "Execution {arn} is already {}",
                current.header.status.as_str()
            )));
        }
        let mut exec = current.clone();
        let mut changes = Changes::default();
        let error =
            error.unwrap_or_else(|| ErrorObject::new("Execution.Stopped", "Execution was stopped"));
        finish_in_place(&mut exec, &Outcome::Stopped(error), now, &mut changes);
        let parent = exec.header.parent.clone();
        let ticket = inner.commit(exec, &changes)?;
        drop(inner);
        self.durable(ticket)?;
        self.after_finish(arn, parent);
        Ok(now)
    }

    pub(super) fn after_finish(&self, arn: &str, parent: Option<ParentLink>) {
        if let Some(link) = parent
            && let Some(outcome) = self.outcome(arn)
            && let Err(e) = self.complete_chained_invoke(&link.arn, &link.op_id, &outcome)
        {
            tracing::error!(
                child = arn,
                parent = link.arn,
                "cannot complete chained invoke: {e}"
            );
        }
        let (waker, done) = {
            let mut inner = self.lock();
            (inner.waker(arn), inner.done_signal(arn))
        };
        waker.notify_one();
        done.notify_waiters();
    }

    /// Whether the execution exists.
    pub(crate) fn exists(&self, arn: &str) -> bool {
        self.lock().execs.contains_key(arn)
    }

    /// The final outcome of a finished execution.
    pub(crate) fn outcome(&self, arn: &str) -> Option<Outcome> {
        let inner = self.lock();
        let h = &inner.execs.get(arn)?.header;
        let err = || h.error.clone().unwrap_or_default();
        match h.status {
            ExecutionStatus::Running => None,
            ExecutionStatus::Succeeded => Some(Outcome::Succeeded(h.result.clone())),
            ExecutionStatus::Failed => Some(Outcome::Failed(err())),
            ExecutionStatus::TimedOut => Some(Outcome::TimedOut(err())),
            ExecutionStatus::Stopped => Some(Outcome::Stopped(err())),
        }
    }

    /// Running executions as (arn, function name).
    pub(crate) fn running_executions(&self) -> Vec<(String, String)> {
        self.lock()
            .execs
            .values()
            .filter(|e| e.is_running())
            .map(|e| (e.header.arn.clone(), e.header.function_name.clone()))
            .collect()
    }

    /// Chained invokes of running executions that have no outcome yet.
    pub(crate) fn open_invokes(&self) -> Vec<InvokeRequest> {
        self.lock()
            .execs
            .values()
            .filter(|e| e.is_running())
            .flat_map(|e| {
                e.ops
                    .iter()
                    .filter(|o| {
                        o.op_type == OperationType::ChainedInvoke && !o.status.is_terminal()
                    })
                    .map(|o| InvokeRequest {
                        parent_arn: e.header.arn.clone(),
                        op_id: o.id.clone(),
                        function_name: o.invoke_function.clone().unwrap_or_default(),
                        input: o.invoke_input.clone().unwrap_or_default(),
                    })
            })
            .collect()
    }
}

/// Marks `exec` finished with `outcome` and records the terminal event.
pub(super) fn finish_in_place(
    exec: &mut Execution,
    outcome: &Outcome,
    now: i64,
    changes: &mut Changes,
) {
    let h = &mut exec.header;
    let (status, event, details) = match outcome {
        Outcome::Succeeded(r) => {
            h.result = r.clone();
            (
                ExecutionStatus::Succeeded,
                "ExecutionSucceeded",
                json!({"Result": {"Payload": r.clone().unwrap_or_default(), "Truncated": false}}),
            )
        }
        Outcome::Failed(e) => {
            h.error = Some(e.clone());
            (
                ExecutionStatus::Failed,
                "ExecutionFailed",
                json!({"Error": {"Payload": e, "Truncated": false}}),
            )
        }
        Outcome::TimedOut(e) => {
            h.error = Some(e.clone());
            (
                ExecutionStatus::TimedOut,
                "ExecutionTimedOut",
                json!({"Error": {"Payload": e, "Truncated": false}}),
            )
        }
        Outcome::Stopped(e) => {
            h.error = Some(e.clone());
            (
                ExecutionStatus::Stopped,
                "ExecutionStopped",
                json!({"Error": {"Payload": e, "Truncated": false}}),
            )
        }
    };
    h.status = status;
    h.end_ms = Some(now);
    exec.token = None;
    let exec_op_status = match status {
        ExecutionStatus::Succeeded => OperationStatus::Succeeded,
        ExecutionStatus::Failed => OperationStatus::Failed,
        ExecutionStatus::TimedOut => OperationStatus::TimedOut,
        _ => OperationStatus::Stopped,
    };
    if let Some(op) = exec.ops.first_mut() {
        op.status = exec_op_status;
        op.end_ms = Some(now);
        let mut ev = transitions::op_event(op, event, Some(details), now);
        if let Some(m) = ev.as_object_mut() {
            m.remove("SubType");
        }
        changes.events.push(ev);
        let id = op.id.clone();
        if !changes.ops.contains(&id) {
            changes.ops.push(id);
        }
    }
}
