//! boto3 (from the workspace's .venv, installed by `make python-tools`) drives durable-local's
//! HTTP API unchanged: Invoke with a durable execution name, callbacks, reads and listing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use aws_durable_execution_sdk::DurableContext;
use durable_local::{DurableLocal, DurableLocalOptions, ExecutionStatus, TimeControl};
use serde_json::Value;

const SCRIPT: &str = r#"
import json, sys, time, boto3
client = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
started = client.invoke(FunctionName="approval", InvocationType="Event",
                        DurableExecutionName="from-boto3", Payload=b'{"who":"boto3"}')
arn = started["DurableExecutionArn"]
callback_id = None
for _ in range(500):
    events = client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    ids = [e["CallbackStartedDetails"]["CallbackId"] for e in events if "CallbackStartedDetails" in e]
    if ids:
        callback_id = ids[0]
        break
    time.sleep(0.01)
client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"approved by boto3"')
for _ in range(500):
    execution = client.get_durable_execution(DurableExecutionArn=arn)
    if execution["Status"] != "RUNNING":
        break
    time.sleep(0.01)
listed = client.list_durable_executions_by_function(FunctionName="approval")["DurableExecutions"]
print(json.dumps({"status": execution["Status"], "result": execution.get("Result"),
                  "name": execution["DurableExecutionName"], "listed": [e["DurableExecutionArn"] for e in listed],
                  "arn": arn}))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_starts_completes_and_reads_an_execution() {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run `make python-tools` in the workspace root",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let options = DurableLocalOptions {
        time: TimeControl::Real,
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(dir.path().join("d.db"), options).unwrap();
    local
        .register_durable("approval", |input: Value, ctx: DurableContext| async move {
            let cb = ctx
                .create_callback::<String>()
                .name("approve")
                .timeout(Duration::from_secs(60))
                .heartbeat(Duration::from_secs(30))
                .await?;
            let answer = cb.result().await?;
            Ok(format!(
                "{} {}",
                input["who"].as_str().unwrap_or("?"),
                answer
            ))
        })
        .unwrap();
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let output = tokio::process::Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(server.endpoint_url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "boto3 script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "SUCCEEDED");
    assert_eq!(report["result"], r#""boto3 approved by boto3""#);
    assert_eq!(report["name"], "from-boto3");
    let arn = report["arn"].as_str().unwrap();
    assert_eq!(report["listed"], serde_json::json!([arn]));
    assert_eq!(
        local.get_execution(arn).unwrap().status,
        ExecutionStatus::Succeeded
    );
}
