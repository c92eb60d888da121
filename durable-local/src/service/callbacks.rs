//! SendDurableExecutionCallbackSuccess / Failure / Heartbeat.

use super::{Service, invalid};
use crate::error::{ServiceError, ServiceResult};
use crate::time::now_ms;
use crate::transitions::{self, Changes, MAX_CALLBACK_RESULT_BYTES};
use crate::wire::{ErrorObject, OperationStatus};

enum CallbackAction {
    Succeed(String),
    Fail(ErrorObject),
    Heartbeat,
}

impl Service {
    /// Completes a callback successfully with `result` (the raw request body).
    pub(crate) fn callback_success(&self, callback_id: &str, result: &[u8]) -> ServiceResult<()> {
        if result.len() > MAX_CALLBACK_RESULT_BYTES {
            return Err(ServiceError::RequestTooLarge(format!(
                "Callback result of {} bytes exceeds the maximum of {MAX_CALLBACK_RESULT_BYTES} bytes",
                result.len()
            )));
        }
        let text = String::from_utf8(result.to_vec())
            .map_err(|_| invalid("Callback result must be UTF-8 text"))?;
        self.callback(callback_id, CallbackAction::Succeed(text))
    }

    /// Completes a callback with an error.
    pub(crate) fn callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> ServiceResult<()> {
        transitions::check_error(&Some(error.clone()))?;
        self.callback(callback_id, CallbackAction::Fail(error))
    }

    /// Records a heartbeat: the heartbeat timeout starts again.
    pub(crate) fn callback_heartbeat(&self, callback_id: &str) -> ServiceResult<()> {
        self.callback(callback_id, CallbackAction::Heartbeat)
    }

    fn callback(&self, callback_id: &str, action: CallbackAction) -> ServiceResult<()> {
        let mut inner = self.lock();
        let Some((arn, op_id)) = inner.callbacks.get(callback_id).cloned() else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Callback {callback_id} not found"
            )));
        };
        let Some(current) = inner.execs.get(&arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Callback {callback_id} not found"
            )));
        };
        let status = current.op(&op_id).map(|o| o.status);
        match status {
            Some(OperationStatus::Started) if current.is_running() => {}
            Some(OperationStatus::TimedOut) => {
                return Err(ServiceError::CallbackTimeout(format!(
                    "Callback {callback_id} has timed out"
                )));
            }
            _ if !current.is_running() => {
                return Err(invalid(format!(
                    "Callback {callback_id} belongs to an execution that is {}",
                    current.header.status.as_str()
                )));
            }
            other => {
                return Err(invalid(format!(
                    "Callback {callback_id} is already completed ({other:?})"
                )));
            }
        }
        let mut exec = current.clone();
        let now = now_ms();
        let time = self.time;
        let mut changes = Changes::default();
        let mut wake_invocation = true;
        if let Some(op) = exec.op_mut(&op_id) {
            match action {
                CallbackAction::Succeed(r) => {
                    op.status = OperationStatus::Succeeded;
                    op.result = Some(r);
                    op.end_ms = Some(now);
                    changes.events.push(transitions::terminal_event(op, now));
                }
                CallbackAction::Fail(e) => {
                    op.status = OperationStatus::Failed;
                    op.error = Some(e);
                    op.end_ms = Some(now);
                    changes.events.push(transitions::terminal_event(op, now));
                }
                CallbackAction::Heartbeat => {
                    wake_invocation = false;
                    if let Some(hb) = op.heartbeat_timeout_s {
                        op.heartbeat_deadline_ms = Some(now + time.callback_delay_ms(hb));
                    }
                }
            }
            changes.ops.push(op_id.clone());
        }
        if wake_invocation {
            exec.generation += 1;
        }
        let ticket = inner.commit(exec, &changes)?;
        let waker = inner.waker(&arn);
        drop(inner);
        self.durable(ticket)?;
        // Waking also makes the scheduler recompute its next due time after a heartbeat.
        waker.notify_one();
        Ok(())
    }
}
