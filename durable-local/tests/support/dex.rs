//! The official emulator `dex-local-runner` (PyPI `aws-durable-execution-sdk-python-testing`)
//! as a child process, with handlers served to it by a [`durable_local::lambda_host::LambdaHost`].
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_lambda::types::{Event, ExecutionStatus};
use serde_json::{Value, json};

/// The emulator from the workspace's virtual environment, or a clear failure.
pub fn dex_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/dex-local-runner");
    assert!(
        path.exists(),
        "dex-local-runner not found at {}: run `make python-tools` in the workspace root \
         (it installs requirements-test.txt into .venv)",
        path.display()
    );
    path
}

/// A running `dex-local-runner start-server`, killed when dropped.
pub struct DexProcess {
    child: Child,
    pub endpoint: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl DexProcess {
    /// Starts the emulator (in-memory store, `--skip-time`) invoking handlers at `lambda_endpoint`.
    pub fn start(lambda_endpoint: &str, skip_time: bool) -> Self {
        Self::start_on(free_port(), lambda_endpoint, skip_time)
    }

    /// Like [`DexProcess::start`], on a given port.
    pub fn start_on(port: u16, lambda_endpoint: &str, skip_time: bool) -> Self {
        let mut cmd = Command::new(dex_binary());
        cmd.args([
            "start-server",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args([
            "--lambda-endpoint",
            lambda_endpoint,
            "--store-type",
            "memory",
            "--log-level",
            "WARNING",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if skip_time {
            cmd.arg("--skip-time");
        }
        let child = cmd.spawn().expect("spawn dex-local-runner");
        let dex = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "dex-local-runner did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        dex
    }

    /// Starts an execution through the emulator's `POST /start-durable-execution`.
    pub async fn start_execution(&self, function: &str, name: &str, input: &Value) -> String {
        let body = json!({
            "AccountId": "000000000000",
            "FunctionName": function,
            "FunctionQualifier": "$LATEST",
            "ExecutionName": name,
            "ExecutionTimeoutSeconds": 300,
            "ExecutionRetentionPeriodDays": 1,
            "Input": input.to_string(),
        });
        let response = raw_post(
            &self.endpoint,
            "/start-durable-execution",
            &body.to_string(),
        )
        .await;
        let v: Value =
            serde_json::from_str(&response).unwrap_or_else(|e| panic!("{e}: {response}"));
        v["ExecutionArn"]
            .as_str()
            .unwrap_or_else(|| panic!("no ExecutionArn in {v}"))
            .to_owned()
    }
}

impl Drop for DexProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 POST (the start route is not part of the AWS API, so no SDK call exists).
async fn raw_post(endpoint: &str, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 20") || head.starts_with("HTTP/1.0 20"),
        "{head}\n{body}"
    );
    body.to_owned()
}

/// What a differential run compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub status: ExecutionStatus,
    pub result: Option<Value>,
    /// (type, subtype, name, status), sorted.
    pub operations: Vec<(String, String, String, String)>,
}

/// Folds history events into the final (type, subtype, name, status) of each operation.
pub fn operations_from_history(events: &[Event]) -> Vec<(String, String, String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut ops: std::collections::HashMap<String, (String, String, String, String)> =
        Default::default();
    for e in events {
        let Some(kind) = e.event_type().map(|k| k.as_str().to_owned()) else {
            continue;
        };
        if kind.starts_with("Execution") || kind.starts_with("Invocation") {
            continue;
        }
        let id = e.id().unwrap_or_default().to_owned();
        let (op_type, outcome) = split_event(&kind);
        // A retried step's failure event is not its final state.
        let status = if kind == "StepFailed"
            && e.step_failed_details().is_some_and(|d| {
                d.retry_details()
                    .and_then(|r| r.next_attempt_delay_seconds())
                    .is_some_and(|s| s > 0)
            }) {
            "PENDING".to_owned()
        } else {
            outcome
        };
        let entry = ops.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            (op_type.clone(), String::new(), String::new(), String::new())
        });
        if let Some(s) = e.sub_type() {
            entry.1 = s.to_owned();
        }
        if let Some(n) = e.name() {
            entry.2 = n.to_owned();
        }
        entry.3 = status;
    }
    let mut out: Vec<_> = order.into_iter().filter_map(|id| ops.remove(&id)).collect();
    out.sort();
    out
}

fn split_event(kind: &str) -> (String, String) {
    for (prefix, op_type) in [
        ("ChainedInvoke", "CHAINED_INVOKE"),
        ("Context", "CONTEXT"),
        ("Step", "STEP"),
        ("Wait", "WAIT"),
        ("Callback", "CALLBACK"),
    ] {
        if let Some(rest) = kind.strip_prefix(prefix) {
            let status = match rest {
                "Started" => "STARTED",
                "Succeeded" => "SUCCEEDED",
                "Failed" => "FAILED",
                "TimedOut" => "TIMED_OUT",
                "Stopped" => "STOPPED",
                "Cancelled" => "CANCELLED",
                other => other,
            };
            return (op_type.to_owned(), status.to_owned());
        }
    }
    (kind.to_owned(), String::new())
}

/// Polls GetDurableExecution until the execution leaves RUNNING, then reads its history.
pub async fn observe(client: &aws_sdk_lambda::Client, arn: &str) -> Observed {
    match observe_within(client, arn, Duration::from_secs(60)).await {
        Some(observed) => observed,
        None => panic!("{arn} still running after 60 s"),
    }
}

/// Like [`observe`], but gives up with `None` when the execution is still RUNNING after `limit`.
pub async fn observe_within(
    client: &aws_sdk_lambda::Client,
    arn: &str,
    limit: Duration,
) -> Option<Observed> {
    let start = Instant::now();
    let execution = loop {
        let e = client
            .get_durable_execution()
            .durable_execution_arn(arn)
            .send()
            .await
            .unwrap();
        if e.status() != &ExecutionStatus::Running {
            break e;
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let history = client
        .get_durable_execution_history()
        .durable_execution_arn(arn)
        .include_execution_data(true)
        .send()
        .await
        .unwrap();
    Some(Observed {
        status: execution.status().clone(),
        result: execution.result().map(|r| serde_json::from_str(r).unwrap()),
        operations: operations_from_history(history.events()),
    })
}

/// The id of the first open callback, read from the history.
pub async fn callback_id(client: &aws_sdk_lambda::Client, arn: &str) -> String {
    match callback_id_within(client, arn, Duration::from_secs(30)).await {
        Some(id) => id,
        None => panic!("no callback started in {arn}"),
    }
}

/// The id of the callback the execution `arn` started, once it has; `None` when it started none `within`.
pub async fn callback_id_within(
    client: &aws_sdk_lambda::Client,
    arn: &str,
    within: Duration,
) -> Option<String> {
    let start = Instant::now();
    loop {
        let history = client
            .get_durable_execution_history()
            .durable_execution_arn(arn)
            .send()
            .await
            .unwrap();
        if let Some(id) = history.events().iter().find_map(|e| {
            e.callback_started_details()
                .map(|d| d.callback_id().to_owned())
        }) {
            return Some(id);
        }
        if start.elapsed() >= within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
