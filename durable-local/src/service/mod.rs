//! The service side of the durable-execution API: executions, checkpoint tokens, the operation
//! state machine and timers, over an in-memory copy that is written through to SQLite before
//! any change is acknowledged.

mod callbacks;
mod checkpoint;
mod group_commit;
mod lifecycle;
mod queries;

/// The chained invoke that started an execution (the `parent` of [`Service::start_execution`]).
pub use crate::model::ParentLink;
pub(crate) use queries::ListFilter;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::Notify;

use local_guard::sqlite::{MovedAside, OnDamage};

use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, ExecutionHeader, StoredOp};
use crate::store::{Durability, PendingWrite, Store};
use crate::time::{TimeControl, now_ms};
use crate::transitions::{self, Changes, MAX_PAYLOAD_BYTES};
use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};

/// Region written into ARNs.
pub(crate) const REGION: &str = "us-east-1";
/// Account written into ARNs.
pub(crate) const ACCOUNT: &str = "000000000000";
/// Operations per page of state (envelope and GetDurableExecutionState).
pub(crate) const PAGE_SIZE: usize = 1000;

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
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
    pub(crate) function_name: String,
    /// The durable invocation envelope.
    pub envelope: Value,
    /// Generation of external changes at the time the envelope was built.
    pub(crate) generation: u64,
}

/// What the scheduler learns after firing due timers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DueState {
    /// Whether the execution still runs.
    pub(crate) running: bool,
    /// Generation of external changes (timers, callbacks, children).
    pub(crate) generation: u64,
    /// Earliest due timer, epoch ms.
    pub(crate) next_due_ms: Option<i64>,
}

/// A chained invoke to start.
#[derive(Debug, Clone)]
pub(crate) struct InvokeRequest {
    /// The calling execution.
    pub(crate) parent_arn: String,
    /// The CHAINED_INVOKE operation.
    pub(crate) op_id: String,
    /// The target function.
    pub(crate) function_name: String,
    /// Input payload (JSON text).
    pub(crate) input: String,
}

/// How [`Service::open_with`] opens the store.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// How hard each commit is synced.
    pub durability: Durability,
    /// How waits, retry delays and callback timeouts pass.
    pub time: TimeControl,
    /// What to do with a damaged database: refuse it (the default) or move it aside.
    pub on_damage: OnDamage,
}

/// The answer to a checkpoint.
#[derive(Debug)]
pub struct CheckpointResult {
    /// The `CheckpointDurableExecution` response body.
    pub response: Value,
    /// Chained invokes this checkpoint started.
    pub(crate) invokes: Vec<InvokeRequest>,
}

pub(crate) struct Inner {
    pending: Vec<(u64, PendingWrite)>,
    next_seq: u64,
    done: HashMap<String, Arc<Notify>>,
    execs: HashMap<String, Execution>,
    by_name: HashMap<(String, String), String>,
    callbacks: HashMap<String, (String, String)>,
    wakers: HashMap<String, Arc<Notify>>,
    token_seq: u64,
}

/// The durable-execution service state.
pub struct Service {
    inner: Mutex<Inner>,
    /// The SQLite connection; whoever holds it is the group-commit leader.
    writer: Mutex<Store>,
    /// Every write with a sequence number up to this one is committed.
    durable_seq: AtomicU64,
    /// Sequence ranges whose group commit failed.
    failed: Mutex<Vec<(u64, u64)>>,
    /// Notified after every group commit.
    committed: Notify,
    time: TimeControl,
    token_epoch: String,
    /// The damaged database moved aside when this one was opened.
    moved_aside: Option<MovedAside>,
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
pub(crate) fn bare_function_name(name: &str) -> &str {
    let after_function = name.rsplit_once("function:").map_or(name, |(_, rest)| rest);
    after_function.split(':').next().unwrap_or(after_function)
}

/// The function ARN of `function_name`.
pub(crate) fn function_arn(function_name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}")
}

impl Service {
    /// Opens the store at `path` and loads every execution; a damaged database is refused.
    pub fn open(path: &Path, durability: Durability, time: TimeControl) -> ServiceResult<Self> {
        Self::open_with(
            path,
            OpenOptions {
                durability,
                time,
                on_damage: OnDamage::Refuse,
            },
        )
    }

    /// Opens the store at `path` with `options` (durability, time, what to do with a damaged
    /// database) and loads every execution.
    pub fn open_with(path: &Path, options: OpenOptions) -> ServiceResult<Self> {
        let (store, moved_aside) = Store::open(path, options.durability, options.on_damage)?;
        let mut inner = Inner {
            pending: Vec::new(),
            next_seq: 0,
            done: HashMap::new(),
            execs: HashMap::new(),
            by_name: HashMap::new(),
            callbacks: HashMap::new(),
            wakers: HashMap::new(),
            token_seq: 0,
        };
        for exec in store.load_all()? {
            inner.index_execution(&exec);
            inner.execs.insert(exec.header.arn.clone(), exec);
        }
        Ok(Self {
            inner: Mutex::new(inner),
            writer: Mutex::new(store),
            durable_seq: AtomicU64::new(0),
            failed: Mutex::new(Vec::new()),
            committed: Notify::new(),
            time: options.time,
            token_epoch: uuid::Uuid::new_v4().simple().to_string(),
            moved_aside,
        })
    }

    /// The damaged database moved aside when this one was opened (with
    /// [`OnDamage::MoveAside`]), if any.
    pub fn moved_aside(&self) -> Option<&MovedAside> {
        self.moved_aside.as_ref()
    }

    /// A clean stop: commits every queued change, then copies the write-ahead log into the
    /// database file and empties it. Changes after it start a new log, checkpointed again when
    /// the service is dropped.
    pub fn checkpoint_wal(&self) -> ServiceResult<()> {
        self.flush()?;
        self.reader().checkpoint_wal()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The notifier that wakes the scheduler of `arn`.
    pub(crate) fn waker(&self, arn: &str) -> Arc<Notify> {
        self.lock().waker(arn)
    }

    /// The store, for reads (after [`Service::flush`]).
    pub(crate) fn reader(&self) -> MutexGuard<'_, Store> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Resolves when `arn` finishes (enable it, then check [`Service::outcome`]).
    pub(crate) fn done_signal(&self, arn: &str) -> Arc<Notify> {
        self.lock().done_signal(arn)
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
        let mut exec = Execution::from_parts(header, vec![op]);
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
        exec.header.event_count = 0;
        let changes = Changes {
            ops: vec![id],
            events: vec![started],
            ..Changes::default()
        };
        inner.index_execution(&exec);
        let ticket = inner.commit(exec, &changes)?;
        drop(inner);
        self.durable(ticket)?;
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

    /// Queues `exec`'s changes for the next group commit and makes it the current state.
    /// Returns the ticket to pass to [`Service::durable`] before acknowledging anything.
    fn commit(&mut self, mut exec: Execution, changes: &Changes) -> ServiceResult<u64> {
        let seq = self.queue().write(&mut exec, changes)?;
        self.execs.insert(exec.header.arn.clone(), exec);
        Ok(seq)
    }

    /// Like [`Inner::commit`] for an execution changed where it is kept (`execs[arn]`). On an
    /// error nothing is queued and the caller undoes its change.
    fn commit_in_place(&mut self, arn: &str, changes: &Changes) -> ServiceResult<u64> {
        let Inner {
            execs,
            pending,
            next_seq,
            callbacks,
            ..
        } = self;
        let Some(exec) = execs.get_mut(arn) else {
            return Err(ServiceError::Internal(format!("execution {arn} vanished")));
        };
        WriteQueue {
            pending,
            next_seq,
            callbacks,
        }
        .write(exec, changes)
    }

    fn queue(&mut self) -> WriteQueue<'_> {
        WriteQueue {
            pending: &mut self.pending,
            next_seq: &mut self.next_seq,
            callbacks: &mut self.callbacks,
        }
    }

    fn done_signal(&mut self, arn: &str) -> Arc<Notify> {
        self.done.entry(arn.to_owned()).or_default().clone()
    }
}

/// The parts of [`Inner`] a queued write touches (borrowed apart from the executions).
struct WriteQueue<'a> {
    pending: &'a mut Vec<(u64, PendingWrite)>,
    next_seq: &'a mut u64,
    callbacks: &'a mut HashMap<String, (String, String)>,
}

impl WriteQueue<'_> {
    /// Queues `exec`'s changes for the next group commit; on an error nothing is queued.
    fn write(self, exec: &mut Execution, changes: &Changes) -> ServiceResult<u64> {
        let events = changes.events.len() as i64;
        exec.header.event_count += events;
        let write = match Store::prepare_write(exec, &changes.ops, &changes.events) {
            Ok(write) => write,
            Err(e) => {
                exec.header.event_count -= events;
                return Err(e);
            }
        };
        *self.next_seq += 1;
        let seq = *self.next_seq;
        self.pending.push((seq, write));
        for id in &changes.ops {
            if let Some(cb) = exec.op(id).and_then(|o| o.callback_id.clone()) {
                self.callbacks
                    .insert(cb, (exec.header.arn.clone(), id.clone()));
            }
        }
        Ok(seq)
    }
}
