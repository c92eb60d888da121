//! Crash tests: `durable-local serve` is SIGKILLed while executions wait on a timer, a
//! callback and a retry delay; restarted on the same SQLite file, every execution completes
//! and no step body whose success was checkpointed runs again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{EventType, ExecutionStatus, InvocationType};
use support::{ServerProcess, eventually, lambda_client};

async fn start(client: &aws_sdk_lambda::Client, function: &str, id: &str) -> String {
    let out = client
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::Event)
        .durable_execution_name(id)
        .payload(Blob::new(format!(r#"{{"id":"{id}"}}"#)))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 202);
    out.durable_execution_arn().unwrap().to_owned()
}

async fn has_event(
    client: &aws_sdk_lambda::Client,
    arn: &str,
    kind: EventType,
) -> Option<aws_sdk_lambda::types::Event> {
    let history = client
        .get_durable_execution_history()
        .durable_execution_arn(arn)
        .send()
        .await
        .unwrap();
    history
        .events()
        .iter()
        .find(|e| e.event_type() == Some(&kind))
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_sigkill_during_a_wait_a_callback_and_a_retry_delay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    let effects = dir.path().join("side-effects.txt");

    let server = ServerProcess::start(&db, &effects, &[]);
    let client = lambda_client(&server.endpoint);
    let wait = start(&client, "crash-wait", "w1").await;
    let callback = start(&client, "crash-callback", "c1").await;
    let retry = start(&client, "crash-retry", "r1").await;
    let limit = Duration::from_secs(20);
    eventually("the wait to start", limit, || {
        has_event(&client, &wait, EventType::WaitStarted)
    })
    .await;
    eventually("the callback to start", limit, || {
        has_event(&client, &callback, EventType::CallbackStarted)
    })
    .await;
    eventually("the first attempt to fail", limit, || {
        has_event(&client, &retry, EventType::StepFailed)
    })
    .await;
    server.kill();

    let server = ServerProcess::start(&db, &effects, &[]);
    let client = lambda_client(&server.endpoint);
    let started = eventually("the callback id", limit, || {
        has_event(&client, &callback, EventType::CallbackStarted)
    })
    .await;
    let callback_id = started
        .callback_started_details()
        .unwrap()
        .callback_id()
        .to_owned();
    client
        .send_durable_execution_callback_success()
        .callback_id(&callback_id)
        .result(Blob::new(r#""approved""#))
        .send()
        .await
        .unwrap();

    for arn in [&wait, &callback, &retry] {
        let done = eventually("the execution to finish", limit, || async {
            let e = client
                .get_durable_execution()
                .durable_execution_arn(arn)
                .send()
                .await
                .unwrap();
            (e.status() != &ExecutionStatus::Running).then_some(e)
        })
        .await;
        assert_eq!(
            done.status(),
            &ExecutionStatus::Succeeded,
            "{arn}: {:?}",
            done.error()
        );
    }
    let result = client
        .get_durable_execution()
        .durable_execution_arn(&callback)
        .send()
        .await
        .unwrap();
    assert_eq!(
        result.result(),
        Some(r#"{"answer":"approved","done":"c1"}"#)
    );
    server.kill();

    let mut lines: Vec<String> = std::fs::read_to_string(&effects)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "c1:after",
            "c1:before",
            "r1:after",
            "r1:before",
            "r1:flaky#1",
            "r1:flaky#2",
            "w1:after",
            "w1:before",
        ]
    );
}
