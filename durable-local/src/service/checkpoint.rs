//! CheckpointDurableExecution and GetDurableExecutionState: token checks, the state machine
//! applied to a copy, committed, then made current.

use serde_json::{Value, json};

use super::lifecycle::finish_in_place;
use super::{CheckpointResult, InvokeRequest, Outcome, PAGE_SIZE, Service, invalid};
use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, ExecutionHeader, ParentLink, StoredOp};
use crate::time::now_ms;
use crate::transitions::{self, Changes};
use crate::wire::{ExecutionStatus, OperationType, OperationUpdate};

/// A checkpoint applied in memory, waiting for its commit to be acknowledged.
struct Queued {
    result: CheckpointResult,
    ticket: Option<u64>,
    /// Set when the checkpoint finished the execution: its parent link.
    finished: Option<Option<ParentLink>>,
}

impl Service {
    fn check_token(&self, exec: &Execution, token: &str) -> ServiceResult<()> {
        if exec.token.as_deref() != Some(token) {
            return Err(invalid(format!(
                "Invalid Checkpoint Token: the token is stale or unknown for execution {}",
                exec.header.arn
            )));
        }
        Ok(())
    }

    /// CheckpointDurableExecution (blocks while its write commits).
    pub fn checkpoint(
        &self,
        arn: &str,
        token: &str,
        client_token: Option<&str>,
        updates: &[OperationUpdate],
    ) -> ServiceResult<CheckpointResult> {
        let queued = self.checkpoint_queue(arn, token, client_token, updates)?;
        if let Some(ticket) = queued.ticket {
            self.durable(ticket)?;
        }
        Ok(self.checkpoint_acknowledge(arn, queued))
    }

    /// CheckpointDurableExecution, waiting for its commit without blocking the executor.
    pub(crate) async fn checkpoint_async(
        &self,
        arn: &str,
        token: &str,
        client_token: Option<&str>,
        updates: &[OperationUpdate],
    ) -> ServiceResult<CheckpointResult> {
        let queued = self.checkpoint_queue(arn, token, client_token, updates)?;
        if let Some(ticket) = queued.ticket {
            self.durable_async(ticket).await?;
        }
        Ok(self.checkpoint_acknowledge(arn, queued))
    }

    fn checkpoint_acknowledge(&self, arn: &str, queued: Queued) -> CheckpointResult {
        if let Some(parent) = queued.finished {
            self.after_finish(arn, parent);
        }
        queued.result
    }

    /// Validates and applies a checkpoint in memory and queues its write.
    fn checkpoint_queue(
        &self,
        arn: &str,
        token: &str,
        client_token: Option<&str>,
        updates: &[OperationUpdate],
    ) -> ServiceResult<Queued> {
        let mut inner = self.lock();
        let Some(current) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        if let (Some(ct), Some((prev_token, prev_ct, response))) =
            (client_token, &current.last_checkpoint)
            && prev_token == token
            && prev_ct == ct
        {
            // A retry of the request that was already applied: answer it again.
            let result = CheckpointResult {
                response: response.clone(),
                invokes: Vec::new(),
            };
            return Ok(Queued {
                result,
                ticket: None,
                finished: None,
            });
        }
        self.check_token(current, token)?;
        if !current.is_running() {
            return Err(invalid(format!(
                "Execution {arn} is {} and accepts no more checkpoints",
                current.header.status.as_str()
            )));
        }
        if let Some(pos) = updates
            .iter()
            .position(|u| u.op_type == OperationType::Execution)
            && pos + 1 != updates.len()
        {
            return Err(invalid(
                "An EXECUTION update must be the last update of a checkpoint",
            ));
        }
        let now = now_ms();
        let time = self.time;
        let timer = move |s: i64| time.delay_ms(s);
        let callback = move |s: i64| time.callback_delay_ms(s);
        let delays = transitions::Delays {
            timer: &timer,
            callback: &callback,
        };
        let mut mint = || uuid::Uuid::new_v4().simple().to_string();
        let mut changes = Changes::default();
        let inner = &mut *inner;
        let Some(exec) = inner.execs.get_mut(arn) else {
            return Err(ServiceError::Internal("execution vanished".into()));
        };
        // Applied where it is kept, with an undo log instead of a copy of the whole execution
        // (payloads included) on every checkpoint: a refused update leaves it as it was.
        let mut undo = Undo::new(exec);
        for u in updates {
            undo.save(exec, u);
            if let Err(e) =
                transitions::apply_update(exec, u, now, &delays, &mut mint, &mut changes)
            {
                undo.restore(exec);
                return Err(e);
            }
        }
        if changes.finished {
            undo.save_finish(exec);
            let outcome = match exec.header.status {
                ExecutionStatus::Succeeded => Outcome::Succeeded(exec.header.result.clone()),
                _ => Outcome::Failed(exec.header.error.clone().unwrap_or_default()),
            };
            exec.header.status = ExecutionStatus::Running;
            finish_in_place(exec, &outcome, now, &mut changes);
        }
        let ticket = match inner.commit_in_place(arn, &changes) {
            Ok(ticket) => ticket,
            Err(e) => {
                if let Some(exec) = inner.execs.get_mut(arn) {
                    undo.restore(exec);
                }
                return Err(e);
            }
        };
        inner.token_seq += 1;
        let new_token = format!("{}{}", self.token_epoch, inner.token_seq);
        let Some(exec) = inner.execs.get_mut(arn) else {
            return Err(ServiceError::Internal("execution vanished".into()));
        };
        exec.token = Some(new_token.clone());
        let ops: Vec<Value> = changes
            .ops
            .iter()
            .filter_map(|id| exec.op(id))
            .filter(|o| o.op_type != OperationType::Execution)
            .map(StoredOp::to_wire)
            .collect();
        let invokes = changes
            .started_invokes
            .iter()
            .filter_map(|id| exec.op(id))
            .map(|o| InvokeRequest {
                parent_arn: arn.to_owned(),
                op_id: o.id.clone(),
                function_name: o.invoke_function.clone().unwrap_or_default(),
                input: o.invoke_input.clone().unwrap_or_default(),
            })
            .collect();
        let parent = changes
            .finished
            .then(|| exec.header.parent.clone())
            .flatten();
        let response = json!({
            "CheckpointToken": new_token,
            "NewExecutionState": {"Operations": ops, "NextMarker": ""},
        });
        if let Some(ct) = client_token {
            exec.last_checkpoint = Some((token.to_owned(), ct.to_owned(), response.clone()));
        }
        Ok(Queued {
            result: CheckpointResult { response, invokes },
            ticket: Some(ticket),
            finished: changes.finished.then_some(parent),
        })
    }

    /// GetDurableExecutionState.
    pub fn get_state(
        &self,
        arn: &str,
        token: &str,
        marker: Option<&str>,
        max_items: Option<usize>,
    ) -> ServiceResult<Value> {
        let inner = self.lock();
        let Some(exec) = inner.execs.get(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        self.check_token(exec, token)?;
        let start = match marker.filter(|m| !m.is_empty()) {
            Some(m) => m
                .parse::<usize>()
                .map_err(|_| invalid(format!("Invalid Marker '{m}'")))?,
            None => 0,
        };
        let size = max_items
            .filter(|m| *m > 0)
            .unwrap_or(PAGE_SIZE)
            .min(PAGE_SIZE);
        let ops: Vec<Value> = exec
            .ops
            .iter()
            .skip(start)
            .take(size)
            .map(StoredOp::to_wire)
            .collect();
        let next = start + ops.len();
        let mut out = json!({"Operations": ops});
        if next < exec.ops.len()
            && let Some(m) = out.as_object_mut()
        {
            m.insert("NextMarker".into(), json!(next.to_string()));
        }
        Ok(out)
    }
}

/// What a checkpoint changed in an execution, to put back when it is refused: the operations
/// it touched as they were, how many there were, and the header and token when it finished.
struct Undo {
    ops_len: usize,
    saved: Vec<(usize, StoredOp)>,
    header: Option<ExecutionHeader>,
    token: Option<Option<String>>,
}

impl Undo {
    fn new(exec: &Execution) -> Self {
        Self {
            ops_len: exec.ops.len(),
            saved: Vec::new(),
            header: None,
            token: None,
        }
    }

    /// Keeps what `u` may change.
    fn save(&mut self, exec: &Execution, u: &OperationUpdate) {
        if u.op_type == OperationType::Execution {
            self.save_header(exec);
        } else if let Some(&pos) = exec.index.get(&u.id) {
            self.save_op(exec, pos);
        }
    }

    /// Keeps what finishing the execution changes: header, token and the EXECUTION operation.
    fn save_finish(&mut self, exec: &Execution) {
        self.save_header(exec);
        if self.token.is_none() {
            self.token = Some(exec.token.clone());
        }
        self.save_op(exec, 0);
    }

    fn save_header(&mut self, exec: &Execution) {
        if self.header.is_none() {
            self.header = Some(exec.header.clone());
        }
    }

    fn save_op(&mut self, exec: &Execution, pos: usize) {
        if pos < self.ops_len
            && !self.saved.iter().any(|(p, _)| *p == pos)
            && let Some(op) = exec.ops.get(pos)
        {
            self.saved.push((pos, op.clone()));
        }
    }

    fn restore(self, exec: &mut Execution) {
        if exec.ops.len() > self.ops_len {
            for op in exec.ops.drain(self.ops_len..) {
                exec.index.remove(&op.id);
            }
        }
        for (pos, op) in self.saved {
            if let Some(slot) = exec.ops.get_mut(pos) {
                *slot = op;
            }
        }
        if let Some(header) = self.header {
            exec.header = header;
        }
        if let Some(token) = self.token {
            exec.token = token;
        }
    }
}
