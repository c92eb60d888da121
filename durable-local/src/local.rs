//! The public face: [`DurableLocal`].

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_durable_execution_sdk::{BoxError, DurableContext};
use local_guard::sqlite::OnDamage;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ServiceError};
use crate::info::{ExecutionInfo, OperationInfo};
use crate::runner::{Core, Registered};
use crate::service::{OpenOptions, Outcome, Service};
use crate::store::Durability;
use crate::time::TimeControl;
use crate::wire::{ErrorObject, ExecutionStatus, OperationStatus, OperationType};

/// Options of [`DurableLocal::open`].
#[derive(Debug, Clone)]
pub struct DurableLocalOptions {
    /// How waits, retry delays and callback timeouts pass.
    pub time: TimeControl,
    /// How hard each commit is synced.
    pub durability: Durability,
    /// Execution timeout of durable functions registered without one.
    pub default_execution_timeout: Duration,
    /// The SDK's `Options::checkpoint_batching`: concurrent checkpoint writes of one
    /// invocation (parallel branches, map items) share one CheckpointDurableExecution call.
    /// Off by default, as in the SDK.
    pub checkpoint_batching: bool,
    /// What to do when the database file is damaged (see `local_guard::sqlite`): `false` (the
    /// default) refuses to open it; `true` moves the damaged files aside (to
    /// `<name>.damaged-<UTC time>`, never deleted; see [`DurableLocal::moved_aside`]) and starts
    /// with an empty store. An intact database opens the same either way.
    pub accept_data_loss: bool,
}

impl Default for DurableLocalOptions {
    fn default() -> Self {
        Self {
            time: TimeControl::Real,
            durability: Durability::ProcessCrash,
            default_execution_timeout: Duration::from_secs(86_400),
            checkpoint_batching: false,
            accept_data_loss: false,
        }
    }
}

/// An embedded durable-execution service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DurableLocal {
    core: Arc<Core>,
    /// The API, shared by the in-process client and the HTTP server.
    router: axum::Router,
    client: aws_sdk_lambda::Client,
    options: DurableLocalOptions,
}

impl DurableLocal {
    /// Opens (or creates) the service's SQLite database at `path`. Must be called inside a
    /// Tokio runtime. Running executions resume when their function is registered. A damaged
    /// database (a truncated or foreign file, a write-ahead log SQLite would silently ignore in
    /// part, a failed `PRAGMA quick_check`) is refused with an error naming the file, unless
    /// `options.accept_data_loss` moves it aside.
    pub fn open(path: impl AsRef<Path>, options: DurableLocalOptions) -> Result<Self, Error> {
        let service = Service::open_with(
            path.as_ref(),
            OpenOptions {
                durability: options.durability,
                time: options.time,
                on_damage: OnDamage::accepting_data_loss(options.accept_data_loss),
            },
        )?;
        let core = Arc::new(Core::new(service));
        let router = crate::api::router();
        let client = crate::inproc::client(Arc::downgrade(&core), router.clone());
        Ok(Self {
            core,
            router,
            client,
            options,
        })
    }

    /// The damaged database moved aside when this one was opened with
    /// [`DurableLocalOptions::accept_data_loss`], if any: what was wrong and where the files went.
    pub fn moved_aside(&self) -> Option<&local_guard::sqlite::MovedAside> {
        self.core.service.moved_aside()
    }

    /// A clean stop: commits every queued change and checkpoints the write-ahead log into the
    /// database file, leaving the log empty (the file alone is then a complete copy). Call it once
    /// the work in flight has drained; the last clone to be dropped checkpoints again.
    pub fn shutdown(&self) -> Result<(), Error> {
        Ok(self.core.service.checkpoint_wal()?)
    }

    /// An `aws_sdk_lambda::Client` served in-process by this service (no socket). The client holds the service
    /// weakly: keep this `DurableLocal` (or a clone) alive while using it; after the last one is dropped, its calls
    /// fail with "durable-local was shut down".
    pub fn lambda_client(&self) -> aws_sdk_lambda::Client {
        self.client.clone()
    }

    /// Registers a durable handler under `name` with the default execution timeout.
    pub fn register_durable<F, E, Fut, O>(&self, name: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(E, DurableContext) -> Fut + Send + Sync + 'static,
        E: DeserializeOwned + Send + 'static,
        Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
        O: Serialize + Send + 'static,
    {
        let timeout = self.options.default_execution_timeout;
        self.register_durable_with_timeout(name, timeout, handler)
    }

    /// Registers a durable handler under `name` with its execution timeout.
    pub fn register_durable_with_timeout<F, E, Fut, O>(
        &self,
        name: &str,
        execution_timeout: Duration,
        handler: F,
    ) -> Result<(), Error>
    where
        F: Fn(E, DurableContext) -> Fut + Send + Sync + 'static,
        E: DeserializeOwned + Send + 'static,
        Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
        O: Serialize + Send + 'static,
    {
        let wrapped = crate::handler::wrap_durable(
            name,
            self.client.clone(),
            self.options.checkpoint_batching,
            handler,
        )?;
        let timeout_s = i64::try_from(execution_timeout.as_secs())
            .unwrap_or(i64::MAX)
            .max(1);
        self.core.register(
            name,
            Registered::Durable {
                handler: Arc::new(wrapped),
                timeout_s,
            },
        );
        Ok(())
    }

    /// Registers a plain async function under `name`: a chained-invoke target, also callable
    /// through the Invoke API. Its error becomes the operation's `ErrorObject`.
    pub fn register_function<F, I, Fut, O>(&self, name: &str, f: F)
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        I: DeserializeOwned + Send + 'static,
        Fut: Future<Output = Result<O, BoxError>> + Send + 'static,
        O: Serialize + Send + 'static,
    {
        let f = Arc::new(f);
        let plain = move |input: String| -> crate::runner::BoxFuture<Result<String, ErrorObject>> {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let input: I = serde_json::from_str(&input)
                    .map_err(|e| ErrorObject::new("InvalidInput", &e.to_string()))?;
                match f(input).await {
                    Ok(out) => serde_json::to_string(&out)
                        .map_err(|e| ErrorObject::new("SerializationError", &e.to_string())),
                    Err(e) => Err(ErrorObject::new("FunctionError", &e.to_string())),
                }
            })
        };
        self.core.register(name, Registered::Plain(Arc::new(plain)));
    }

    /// Starts an execution of the durable function `function`. Idempotent by `name`: the same
    /// name and input return the existing execution; another input is
    /// `DurableExecutionAlreadyStartedException`. Returns the execution ARN.
    pub fn start_execution(
        &self,
        function: &str,
        name: Option<&str>,
        input: &impl Serialize,
    ) -> Result<String, Error> {
        let Some(Registered::Durable { timeout_s, .. }) = self.core.registered(function) else {
            return Err(ServiceError::ResourceNotFound(format!(
                "Durable function {function} is not registered"
            ))
            .into());
        };
        let input = serde_json::to_string(input)?;
        Ok(self.core.start(function, name, &input, timeout_s)?)
    }

    /// Waits until the execution finishes.
    pub async fn wait_for_completion(&self, arn: &str) -> Result<ExecutionInfo, Error> {
        self.core.wait_outcome(arn).await?;
        self.get_execution(arn)
    }

    /// Starts an execution and waits for it.
    pub async fn run(
        &self,
        function: &str,
        name: Option<&str>,
        input: &impl Serialize,
    ) -> Result<ExecutionInfo, Error> {
        let arn = self.start_execution(function, name, input)?;
        self.wait_for_completion(&arn).await
    }

    /// The state of an execution.
    pub fn get_execution(&self, arn: &str) -> Result<ExecutionInfo, Error> {
        let v = self.core.service.get_execution(arn, true)?;
        let status = v
            .get("Status")
            .and_then(Value::as_str)
            .and_then(ExecutionStatus::parse)
            .ok_or_else(|| ServiceError::Internal("execution without status".into()))?;
        let outcome = self.core.service.outcome(arn);
        let (result, error) = match outcome {
            Some(Outcome::Succeeded(r)) => (r, None),
            Some(Outcome::Failed(e) | Outcome::TimedOut(e) | Outcome::Stopped(e)) => {
                (None, Some(e))
            }
            None => (None, None),
        };
        let text = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let function_name = crate::service::bare_function_name(&text("FunctionArn")).to_owned();
        Ok(ExecutionInfo {
            arn: arn.to_owned(),
            function_name,
            name: text("DurableExecutionName"),
            status,
            result,
            error,
            invocations: self.core.service.invocation_count(arn),
        })
    }

    /// The operations of an execution (without the EXECUTION operation), in creation order.
    pub fn operations(&self, arn: &str) -> Result<Vec<OperationInfo>, Error> {
        Ok(self.core.service.operations(arn)?)
    }

    /// The history events of an execution (GetDurableExecutionHistory, with data).
    pub fn history(&self, arn: &str) -> Result<Vec<Value>, Error> {
        let v = self.core.service.history(arn, true, false, None, None)?;
        Ok(v.get("Events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// ARNs of the executions of `function`, oldest first.
    pub fn list_executions(&self, function: &str) -> Result<Vec<String>, Error> {
        let v = self
            .core
            .service
            .list_by_function(function, &crate::service::ListFilter::default())?;
        Ok(v.get("DurableExecutions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("DurableExecutionArn").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Completes a callback successfully with `result` serialized as JSON.
    pub fn send_callback_success(
        &self,
        callback_id: &str,
        result: &impl Serialize,
    ) -> Result<(), Error> {
        let body = serde_json::to_vec(result)?;
        Ok(self.core.service.callback_success(callback_id, &body)?)
    }

    /// Fails a callback.
    pub fn send_callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), Error> {
        Ok(self.core.service.callback_failure(callback_id, error)?)
    }

    /// Sends a callback heartbeat.
    pub fn send_callback_heartbeat(&self, callback_id: &str) -> Result<(), Error> {
        Ok(self.core.service.callback_heartbeat(callback_id)?)
    }

    /// Stops a running execution.
    pub fn stop(&self, arn: &str, error: Option<ErrorObject>) -> Result<(), Error> {
        self.core.service.stop(arn, error)?;
        Ok(())
    }

    /// Waits until the execution has an open callback and returns its id (for tests and
    /// tools that play the external system).
    pub async fn wait_for_callback_id(
        &self,
        arn: &str,
        timeout: Duration,
    ) -> Result<String, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let open = self.operations(arn)?.into_iter().find(|o| {
                o.op_type == OperationType::Callback && o.status == OperationStatus::Started
            });
            if let Some(id) = open.and_then(|o| o.callback_id) {
                return Ok(id);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::WaitTimeout(
                    timeout,
                    format!("an open callback of {arn}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl DurableLocal {
    /// Serves the same API over HTTP on `addr` (use a 127.0.0.1 address; port 0 picks one),
    /// within the default connection limits.
    pub async fn serve_http(
        &self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<crate::http_server::HttpServer> {
        self.serve_http_with(addr, local_guard::http::Limits::default())
            .await
    }

    /// [`DurableLocal::serve_http`] within the connection limits `limits`.
    pub async fn serve_http_with(
        &self,
        addr: std::net::SocketAddr,
        limits: local_guard::http::Limits,
    ) -> std::io::Result<crate::http_server::HttpServer> {
        // The server keeps the service alive while it serves.
        let router = self
            .router
            .clone()
            .layer(axum::Extension(Arc::clone(&self.core)));
        crate::http_server::serve(router, addr, limits).await
    }
}

#[cfg(test)]
#[path = "local_damage_tests.rs"]
mod damage_tests;
