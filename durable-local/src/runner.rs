//! The invocation loop and scheduler: one task per running execution invokes the handler with
//! the real envelope, reads SUCCEEDED / FAILED / PENDING, and re-invokes at the earliest due
//! timer, retry, callback or child completion. Also dispatches chained invokes.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;

use crate::error::{ServiceError, ServiceResult};
use crate::model::ParentLink;
use crate::service::{InvokeRequest, Outcome, Service, bare_function_name};
use crate::time::now_ms;
use crate::wire::ErrorObject;

/// A boxed future, as handlers are stored.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// A wrapped durable handler: envelope in, response envelope out.
pub(crate) type DurableFn = Arc<dyn Fn(Value) -> BoxFuture<Result<Value, String>> + Send + Sync>;
/// A plain function: JSON input text in, JSON output text out.
pub(crate) type PlainFn =
    Arc<dyn Fn(String) -> BoxFuture<Result<String, ErrorObject>> + Send + Sync>;

/// A registered function.
#[derive(Clone)]
pub(crate) enum Registered {
    /// A durable handler (through `aws_durable_execution_sdk::wrap`).
    Durable {
        /// The wrapped handler.
        handler: DurableFn,
        /// Execution timeout in seconds.
        timeout_s: i64,
    },
    /// A plain async function (a chained-invoke target).
    Plain(PlainFn),
}

/// How many invocations in a row may fail (a Lambda invocation error, not a FAILED status)
/// before the execution is failed.
pub(crate) const MAX_INVOCATION_FAILURES: u32 = 5;

/// The shared heart of a `DurableLocal`: the service, the registered functions and the
/// scheduler tasks.
pub(crate) struct Core {
    /// The service state.
    pub(crate) service: Service,
    functions: RwLock<HashMap<String, Registered>>,
    drivers: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

fn child_execution_name(parent_arn: &str, op_id: &str) -> String {
    let parent_id = parent_arn.rsplit('/').next().unwrap_or(parent_arn);
    let clean = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(n)
            .collect()
    };
    format!("{}-{}", clean(parent_id, 20), clean(op_id, 40))
}

impl Core {
    /// A core over `service`.
    pub(crate) fn new(service: Service) -> Self {
        Self {
            service,
            functions: RwLock::new(HashMap::new()),
            drivers: Mutex::new(HashSet::new()),
        }
    }

    /// The function registered under `name`.
    pub(crate) fn registered(&self, name: &str) -> Option<Registered> {
        self.functions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Registers `f` under `name`, then resumes whatever was waiting for it: running
    /// executions of a durable function, open chained invokes targeting it.
    pub(crate) fn register(self: &Arc<Self>, name: &str, f: Registered) {
        let durable = matches!(f, Registered::Durable { .. });
        self.functions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned(), f);
        if durable {
            for (arn, function) in self.service.running_executions() {
                if function == name {
                    self.ensure_driver(&arn);
                }
            }
        }
        for invoke in self.service.open_invokes() {
            if bare_function_name(&invoke.function_name) == name {
                self.dispatch_invoke(invoke);
            }
        }
    }

    /// Starts (or finds, by name) an execution and makes sure it is driven.
    pub(crate) fn start(
        self: &Arc<Self>,
        function: &str,
        name: Option<&str>,
        input: &str,
        timeout_s: i64,
    ) -> ServiceResult<String> {
        let (arn, _) = self
            .service
            .start_execution(function, name, input, timeout_s, None)?;
        self.ensure_driver(&arn);
        Ok(arn)
    }

    /// Waits until `arn` finishes and returns its outcome.
    pub(crate) async fn wait_outcome(&self, arn: &str) -> ServiceResult<Outcome> {
        let done = self.service.done_signal(arn);
        loop {
            let notified = done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(outcome) = self.service.outcome(arn) {
                return Ok(outcome);
            }
            if !self.service.exists(arn) {
                return Err(ServiceError::ResourceNotFound(format!(
                    "Execution {arn} not found"
                )));
            }
            notified.await;
        }
    }

    /// Makes sure one scheduler task drives `arn`.
    pub(crate) fn ensure_driver(self: &Arc<Self>, arn: &str) {
        let mut drivers = self
            .drivers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if drivers.insert(arn.to_owned()) {
            let core = Arc::clone(self);
            let arn = arn.to_owned();
            tokio::spawn(async move {
                core.drive(&arn).await;
                core.drivers
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&arn);
            });
        }
    }

    async fn drive(self: &Arc<Self>, arn: &str) {
        let waker = self.service.waker(arn);
        let mut failures = 0u32;
        loop {
            let invocation = match self.service.begin_invocation(arn) {
                Ok(Some(i)) => i,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(arn, "cannot begin invocation: {e}");
                    return;
                }
            };
            let Some(Registered::Durable { handler, .. }) =
                self.registered(&invocation.function_name)
            else {
                // Resumed when the function is registered again.
                return;
            };
            let joined = tokio::spawn(handler(invocation.envelope)).await;
            let response = match joined {
                Ok(r) => r,
                Err(e) => Err(format!("handler panicked: {e}")),
            };
            match response
                .as_ref()
                .map(|v| v.get("Status").and_then(Value::as_str))
            {
                Ok(Some("SUCCEEDED")) => {
                    let result = response
                        .as_ref()
                        .ok()
                        .and_then(|v| v.get("Result"))
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    self.finish(arn, &Outcome::Succeeded(result));
                    return;
                }
                Ok(Some("FAILED")) => {
                    let error = response
                        .as_ref()
                        .ok()
                        .and_then(|v| v.get("Error"))
                        .and_then(|e| serde_json::from_value::<ErrorObject>(e.clone()).ok())
                        .unwrap_or_default();
                    self.finish(arn, &Outcome::Failed(error));
                    return;
                }
                Ok(Some("PENDING")) => failures = 0,
                other => {
                    failures += 1;
                    let message = match other {
                        Err(e) => e.clone(),
                        Ok(status) => format!("invalid response status {status:?}"),
                    };
                    tracing::warn!(arn, failures, "invocation failed: {message}");
                    if failures >= MAX_INVOCATION_FAILURES {
                        self.finish(
                            arn,
                            &Outcome::Failed(ErrorObject::new("InvocationError", &message)),
                        );
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(10 << failures)).await;
                    continue;
                }
            }
            // Suspended: wait for the earliest timer or an external change.
            loop {
                let state = match self.service.fire_due(arn) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(arn, "cannot fire timers: {e}");
                        return;
                    }
                };
                if !state.running {
                    return;
                }
                if state.generation != invocation.generation {
                    break;
                }
                let notified = waker.notified();
                match state.next_due_ms {
                    Some(due) => {
                        let wait = u64::try_from(due - now_ms()).unwrap_or(0);
                        tokio::select! {
                            () = tokio::time::sleep(Duration::from_millis(wait)) => {}
                            () = notified => {}
                        }
                    }
                    None => notified.await,
                }
            }
        }
    }

    fn finish(&self, arn: &str, outcome: &Outcome) {
        if let Err(e) = self.service.complete_execution(arn, outcome) {
            tracing::error!(arn, "cannot record the outcome: {e}");
        }
    }

    /// Starts the target of a chained invoke; its outcome completes the operation.
    pub(crate) fn dispatch_invoke(self: &Arc<Self>, req: InvokeRequest) {
        let target = bare_function_name(&req.function_name).to_owned();
        let fail = |core: &Self, e: &ServiceError| {
            let error = ErrorObject::new(e.error_type(), &e.to_string());
            if let Err(e) = core.service.complete_chained_invoke(
                &req.parent_arn,
                &req.op_id,
                &Outcome::Failed(error),
            ) {
                tracing::error!("cannot fail chained invoke: {e}");
            }
        };
        match self.registered(&target) {
            Some(Registered::Durable { timeout_s, .. }) => {
                let name = child_execution_name(&req.parent_arn, &req.op_id);
                let link = ParentLink {
                    arn: req.parent_arn.clone(),
                    op_id: req.op_id.clone(),
                };
                match self.service.start_execution(
                    &target,
                    Some(&name),
                    &req.input,
                    timeout_s,
                    Some(link),
                ) {
                    Ok((arn, _)) => match self.service.outcome(&arn) {
                        Some(outcome) => {
                            if let Err(e) = self.service.complete_chained_invoke(
                                &req.parent_arn,
                                &req.op_id,
                                &outcome,
                            ) {
                                tracing::error!("cannot complete chained invoke: {e}");
                            }
                        }
                        None => self.ensure_driver(&arn),
                    },
                    Err(e) => fail(self, &e),
                }
            }
            Some(Registered::Plain(f)) => {
                let core = Arc::clone(self);
                tokio::spawn(async move {
                    let outcome = match f(req.input.clone()).await {
                        Ok(result) => Outcome::Succeeded(Some(result)),
                        Err(error) => Outcome::Failed(error),
                    };
                    if let Err(e) =
                        core.service
                            .complete_chained_invoke(&req.parent_arn, &req.op_id, &outcome)
                    {
                        tracing::error!("cannot complete chained invoke: {e}");
                    }
                });
            }
            None => fail(
                self,
                &ServiceError::ResourceNotFound(format!(
                    "Function not found: {}",
                    crate::service::function_arn(&target)
                )),
            ),
        }
    }
}
