//! The service side of the durable-execution API: executions, checkpoint tokens, the operation
//! state machine and timers, over an in-memory copy that is written through to SQLite before
//! any change is acknowledged.

mod callbacks;
mod queries;

pub use queries::ListFilter;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, ExecutionHeader, ParentLink, StoredOp};
use crate::store::{Durability, Store};
use crate::time::{TimeControl, now_ms};
use crate::transitions::{self, Changes, MAX_PAYLOAD_BYTES};
use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType, OperationUpdate};

/// Region written into ARNs.
pub const REGION: &str = "us-east-1";
/// Account written into ARNs.
pub const ACCOUNT: &str = "000000000000";
/// Operations per page of state (envelope and GetDurableExecutionState).
pub const PAGE_SIZE: usize = 1000;

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handler returned a result (JSON text).
    Succeeded(Option<String>),
    /// The handler failed.
    Failed(ErrorObject),
    /// The execution timeout elapsed.
    TimedOut(ErrorObject),
    /// StopDurableExecution was called.
    Stopped(ErrorObject),
}

/// One invocation to make: the envelope and the generation it saw.
#[derive(Debug)]
pub struct Invocation {
    /// The function to invoke.
    pub function_name: String,
    /// The durable invocation envelope.
    pub envelope: Value,
    /// Generation of external changes at the time the envelope was built.
    pub generation: u64,
}

/// What the scheduler learns after firing due timers.
#[derive(Debug, Clone, Copy)]
pub struct DueState {
    /// Whether the execution still runs.
    pub running: bool,
    /// Generation of external changes (timers, callbacks, children).
    pub generation: u64,
    /// Earliest due timer, epoch ms.
    pub next_due_ms: Option<i64>,
}

/// A chained invoke to start.
#[derive(Debug, Clone)]
pub struct InvokeRequest {
    /// The calling execution.
    pub parent_arn: String,
    /// The CHAINED_INVOKE operation.
    pub op_id: String,
    /// The target function.
    pub function_name: String,
    /// Input payload (JSON text).
    pub input: String,
}

/// The answer to a checkpoint.
#[derive(Debug)]
pub struct CheckpointResult {
    /// The `CheckpointDurableExecution` response body.
    pub response: Value,
    /// Chained invokes this checkpoint started.
    pub invokes: Vec<InvokeRequest>,
}

pub(crate) struct Inner {
    store: Store,
    execs: HashMap<String, Execution>,
    by_name: HashMap<(String, String), String>,
    callbacks: HashMap<String, (String, String)>,
    wakers: HashMap<String, Arc<Notify>>,
    token_seq: u64,
}

/// The durable-execution service state.
pub struct Service {
    inner: Mutex<Inner>,
    time: TimeControl,
    token_epoch: String,
    finished: Notify,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

fn invalid(msg: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameterValue(msg.into())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Strips an ARN or qualified name down to the function name.
pub fn bare_function_name(name: &str) -> &str {
    let after_function = name.rsplit_once("function:").map_or(name, |(_, rest)| rest);
    after_function.split(':').next().unwrap_or(after_function)
}

/// The function ARN of `function_name`.
pub fn function_arn(function_name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}")
}

impl Service {
    /// Opens the store at `path` and loads every execution.
    pub fn open(path: &Path, durability: Durability, time: TimeControl) -> ServiceResult<Self> {
        let store = Store::open(path, durability)?;
        let mut inner = Inner {
            store,
            execs: HashMap::new(),
            by_name: HashMap::new(),
            callbacks: HashMap::new(),
            wakers: HashMap::new(),
            token_seq: 0,
        };
        for exec in inner.store.load_all()? {
            inner.index_execution(&exec);
            inner.execs.insert(exec.header.arn.clone(), exec);
        }
        Ok(Self {
            inner: Mutex::new(inner),
            time,
            token_epoch: uuid::Uuid::new_v4().simple().to_string(),
            finished: Notify::new(),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The time control in force.
    pub fn time(&self) -> TimeControl {
        self.time
    }

    /// Resolves when some execution finishes (use with a re-check loop).
    pub fn finished_signal(&self) -> &Notify {
        &self.finished
    }

    /// The notifier that wakes the scheduler of `arn`.
    pub fn waker(&self, arn: &str) -> Arc<Notify> {
        self.lock().waker(arn)
    }

    /// Starts an execution; idempotent by (function, name) for the same input.
    /// Returns the ARN and whether a new execution was created.
    pub fn start_execution(
        &self,
        function_name: &str,
        name: Option<&str>,
        input: &str,
        timeout_s: i64,
        parent: Option<ParentLink>,
    ) -> ServiceResult<(String, bool)> {
        if !valid_name(function_name) {
            return Err(invalid(format!("Invalid function name '{function_name}'")));
        }
        if input.len() > MAX_PAYLOAD_BYTES {
            return Err(ServiceError::RequestTooLarge(format!(
                "Input payload of {} bytes exceeds the maximum of {MAX_PAYLOAD_BYTES} bytes",
                input.len()
            )));
        }
        if !(1..=31_622_400).contains(&timeout_s) {
            return Err(invalid(format!(
                "ExecutionTimeout {timeout_s} is out of range 1..31622400"
            )));
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let name = name.map_or_else(|| id.clone(), str::to_owned);
        if !valid_name(&name) {
            return Err(invalid(format!(
                "Invalid durable execution name '{name}': 1-64 characters of [a-zA-Z0-9-_]"
            )));
        }
        let mut inner = self.lock();
        if let Some(arn) = inner.by_name.get(&(function_name.to_owned(), name.clone())) {
            let same_input = inner
                .execs
                .get(arn)
                .is_some_and(|e| e.header.input == input);
            return if same_input {
                Ok((arn.clone(), false))
            } else {
                Err(ServiceError::AlreadyStarted(format!(
                    "Durable execution '{name}' of function {function_name} was already started with a different input"
                )))
            };
        }
        let now = now_ms();
        let arn = format!(
            "{}:$LATEST/durable-execution/{name}/{id}",
            function_arn(function_name)
        );
        let header = ExecutionHeader {
            arn: arn.clone(),
            function_name: function_name.to_owned(),
            name,
            input: input.to_owned(),
            status: ExecutionStatus::Running,
            result: None,
            error: None,
            start_ms: now,
            end_ms: None,
            timeout_s,
            deadline_ms: now + timeout_s * 1000,
            parent,
            event_count: 1,
            invocations: 0,
        };
        let mut op = StoredOp::new(&id, OperationType::Execution, OperationStatus::Started, now);
        op.name = Some(header.name.clone());
        op.input_payload = Some(input.to_owned());
        let exec = Execution::from_parts(header, vec![op]);
        let mut started = transitions::op_event(
            &exec.ops[0],
            "ExecutionStarted",
            Some(
                json!({"Input": {"Payload": input, "Truncated": false}, "ExecutionTimeout": timeout_s}),
            ),
            now,
        );
        if let Some(m) = started.as_object_mut() {
            m.remove("SubType");
        }
        inner.store.save(&exec, &[id], &[started])?;
        inner.index_execution(&exec);
        inner.execs.insert(arn.clone(), exec);
        Ok((arn, true))
    }

    /// Prepares the next invocation of a running execution: rotates the token and builds the
    /// envelope. `None` when the execution no longer runs.
    pub fn begin_invocation(&self, arn: &str) -> ServiceResult<Option<Invocation>> {
        let mut inner = self.lock();
        inner.token_seq += 1;
        let token = format!("{}{}", self.token_epoch, inner.token_seq);
        let Some(exec) = inner.execs.get_mut(arn) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Execution {arn} not found"
            )));
        };
        if !exec.is_running() {
            return Ok(None);
        }
        exec.token = Some(token.clone());
        exec.header.invocations += 1;
        let ops: Vec<Value> = exec
            .ops
            .iter()
            .take(PAGE_SIZE)
            .map(StoredOp::to_wire)
            .collect();
        let marker = if exec.ops.len() > PAGE_SIZE {
            PAGE_SIZE.to_string()
        } else {
            String::new()
        };
        Ok(Some(Invocation {
            function_name: exec.header.function_name.clone(),
            envelope: json!({
                "DurableExecutionArn": arn,
                "CheckpointToken": token,
                "InitialExecutionState": {"Operations": ops, "NextMarker": marker},
            }),
            generation: exec.generation,
        }))
    }

    fn check_token(&self, exec: &Execution, token: &str) -> ServiceResult<()> {
        if exec.token.as_deref() != Some(token) {
            return Err(invalid(format!(
                "Invalid Checkpoint Token: the token is stale or unknown for execution {}",
                exec.header.arn
            )));
        }
        Ok(())
    }

    /// CheckpointDurableExecution.
    pub fn checkpoint(
        &self,
        arn: &str,
        token: &str,
        client_token: Option<&str>,
        updates: &[OperationUpdate],
    ) -> ServiceResult<CheckpointResult> {
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
            return Ok(CheckpointResult {
                response: response.clone(),
                invokes: Vec::new(),
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
        let mut exec = current.clone();
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
        for u in updates {
            transitions::apply_update(&mut exec, u, now, &delays, &mut mint, &mut changes)?;
        }
        if changes.finished {
            let outcome = match exec.header.status {
                ExecutionStatus::Succeeded => Outcome::Succeeded(exec.header.result.clone()),
                _ => Outcome::Failed(exec.header.error.clone().unwrap_or_default()),
            };
            exec.header.status = ExecutionStatus::Running;
            finish_in_place(&mut exec, &outcome, now, &mut changes);
        }
        inner.token_seq += 1;
        let new_token = format!("{}{}", self.token_epoch, inner.token_seq);
        exec.token = Some(new_token.clone());
        inner.commit(exec, &changes)?;
        let Some(exec) = inner.execs.get_mut(arn) else {
            return Err(ServiceError::Internal("execution vanished".into()));
        };
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
        drop(inner);
        if changes.finished {
            self.after_finish(arn, parent);
        }
        Ok(CheckpointResult { response, invokes })
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

    /// Fires the due timers of `arn` (and its execution timeout).
    pub fn fire_due(&self, arn: &str) -> ServiceResult<DueState> {
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
        inner.commit(exec, &changes)?;
        drop(inner);
        if timed_out {
            self.after_finish(arn, parent);
        }
        Ok(state)
    }

    /// Records the outcome the handler returned (or a terminal failure).
    pub fn complete_execution(&self, arn: &str, outcome: &Outcome) -> ServiceResult<()> {
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
        inner.commit(exec, &changes)?;
        drop(inner);
        self.after_finish(arn, parent);
        Ok(())
    }

    /// Sets the result of a CHAINED_INVOKE operation and wakes its execution.
    pub fn complete_chained_invoke(
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
        inner.commit(exec, &changes)?;
        inner.waker(parent_arn).notify_one();
        Ok(())
    }

    /// StopDurableExecution. Returns the stop timestamp (epoch ms).
    pub fn stop(&self, arn: &str, error: Option<ErrorObject>) -> ServiceResult<i64> {
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
        inner.commit(exec, &changes)?;
        drop(inner);
        self.after_finish(arn, parent);
        Ok(now)
    }

    fn after_finish(&self, arn: &str, parent: Option<ParentLink>) {
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
        self.lock().waker(arn).notify_one();
        self.finished.notify_waiters();
    }

    /// The final outcome of a finished execution.
    pub fn outcome(&self, arn: &str) -> Option<Outcome> {
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
    pub fn running_executions(&self) -> Vec<(String, String)> {
        self.lock()
            .execs
            .values()
            .filter(|e| e.is_running())
            .map(|e| (e.header.arn.clone(), e.header.function_name.clone()))
            .collect()
    }

    /// Chained invokes of running executions that have no outcome yet.
    pub fn open_invokes(&self) -> Vec<InvokeRequest> {
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
fn finish_in_place(exec: &mut Execution, outcome: &Outcome, now: i64, changes: &mut Changes) {
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

impl Inner {
    fn index_execution(&mut self, exec: &Execution) {
        let h = &exec.header;
        self.by_name
            .insert((h.function_name.clone(), h.name.clone()), h.arn.clone());
        for op in &exec.ops {
            if let Some(cb) = &op.callback_id {
                self.callbacks
                    .insert(cb.clone(), (h.arn.clone(), op.id.clone()));
            }
        }
    }

    fn waker(&mut self, arn: &str) -> Arc<Notify> {
        self.wakers.entry(arn.to_owned()).or_default().clone()
    }

    /// Persists `exec` with `changes`, then makes it the current state.
    fn commit(&mut self, mut exec: Execution, changes: &Changes) -> ServiceResult<()> {
        exec.header.event_count += changes.events.len() as i64;
        self.store.save(&exec, &changes.ops, &changes.events)?;
        for id in &changes.ops {
            if let Some(cb) = exec.op(id).and_then(|o| o.callback_id.clone()) {
                self.callbacks
                    .insert(cb, (exec.header.arn.clone(), id.clone()));
            }
        }
        self.execs.insert(exec.header.arn.clone(), exec);
        Ok(())
    }
}
