//! The API over HTTP on 127.0.0.1 at the real AWS paths, driven by an unmodified
//! `aws_sdk_lambda::Client` with an endpoint URL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use aws_durable_execution_sdk::{BoxError, DurableContext};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{ErrorObject, EventType, ExecutionStatus, InvocationType};
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use serde_json::{Value, json};
use support::lambda_client;

async fn served() -> (
    tempfile::TempDir,
    DurableLocal,
    durable_local::http_server::HttpServer,
) {
    let dir = tempfile::tempdir().unwrap();
    let options = DurableLocalOptions {
        time: TimeControl::Scaled(0.001),
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(dir.path().join("d.db"), options).unwrap();
    local
        .register_durable("greet", |name: String, ctx: DurableContext| async move {
            let greeting: String = ctx
                .step(move |_| async move { Ok(format!("hello {name}")) })
                .name("greet")
                .await?;
            ctx.wait(Duration::from_secs(5)).name("pause").await?;
            Ok(greeting)
        })
        .unwrap();
    local
        .register_durable("approval", |_: Value, ctx: DurableContext| async move {
            let cb = ctx
                .create_callback::<Value>()
                .name("approve")
                .timeout(Duration::from_secs(3600))
                .heartbeat(Duration::from_secs(600))
                .await?;
            Ok(cb.result().await?)
        })
        .unwrap();
    local.register_function("add-one", |n: i64| async move { Ok::<_, BoxError>(n + 1) });
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (dir, local, server)
}

#[tokio::test]
async fn invoke_request_response_runs_the_execution_and_returns_its_result_and_arn() {
    let (_dir, _local, server) = served().await;
    let client = lambda_client(&server.endpoint_url());
    let out = client
        .invoke()
        .function_name("greet")
        .durable_execution_name("greet-ada")
        .payload(Blob::new(r#""ada""#))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.payload().unwrap().as_ref(), br#""hello ada""#);
    let arn = out.durable_execution_arn().unwrap();
    assert!(arn.starts_with("arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST/durable-execution/greet-ada/"), "{arn}");

    let execution = client
        .get_durable_execution()
        .durable_execution_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(execution.status(), &ExecutionStatus::Succeeded);
    assert_eq!(execution.durable_execution_name(), "greet-ada");
    assert_eq!(execution.result(), Some(r#""hello ada""#));
    assert_eq!(execution.input_payload(), Some(r#""ada""#));

    let history = client
        .get_durable_execution_history()
        .durable_execution_arn(arn)
        .include_execution_data(true)
        .send()
        .await
        .unwrap();
    let kinds: Vec<&EventType> = history
        .events()
        .iter()
        .filter_map(|e| e.event_type())
        .collect();
    assert_eq!(
        kinds,
        vec![
            &EventType::ExecutionStarted,
            &EventType::StepStarted,
            &EventType::StepSucceeded,
            &EventType::WaitStarted,
            &EventType::WaitSucceeded,
            &EventType::ExecutionSucceeded,
        ]
    );
    let ids: Vec<i32> = history.events().iter().map(|e| e.event_id()).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);

    // The same name with another input is refused like AWS does.
    let err = client
        .invoke()
        .function_name("greet")
        .durable_execution_name("greet-ada")
        .payload(Blob::new(r#""bob""#))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        err.is_durable_execution_already_started_exception(),
        "{err:?}"
    );
}

#[tokio::test]
async fn callbacks_are_completed_heartbeated_and_failed_over_http() {
    let (_dir, local, server) = served().await;
    let client = lambda_client(&server.endpoint_url());
    let started = client
        .invoke()
        .function_name("approval")
        .invocation_type(InvocationType::Event)
        .durable_execution_name("first")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status_code(), 202);
    let arn = started.durable_execution_arn().unwrap().to_owned();
    let id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    client
        .send_durable_execution_callback_heartbeat()
        .callback_id(&id)
        .send()
        .await
        .unwrap();
    client
        .send_durable_execution_callback_success()
        .callback_id(&id)
        .result(Blob::new(r#"{"ok":true}"#))
        .send()
        .await
        .unwrap();
    let done = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(done.result.as_deref(), Some(r#"{"ok":true}"#));

    let second = client
        .invoke()
        .function_name("approval")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let arn2 = second.durable_execution_arn().unwrap().to_owned();
    let id2 = local
        .wait_for_callback_id(&arn2, Duration::from_secs(10))
        .await
        .unwrap();
    client
        .send_durable_execution_callback_failure()
        .callback_id(&id2)
        .error(
            ErrorObject::builder()
                .error_type("Denied")
                .error_message("no budget")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let failed = client.get_durable_execution().durable_execution_arn(&arn2);
    let failed = support::eventually("the failure", Duration::from_secs(10), || {
        let f = failed.clone();
        async move {
            let e = f.send().await.unwrap();
            (e.status() != &ExecutionStatus::Running).then_some(e)
        }
    })
    .await;
    assert_eq!(failed.status(), &ExecutionStatus::Failed);
    assert_eq!(failed.error().unwrap().error_type(), Some("Denied"));

    let unknown = client
        .send_durable_execution_callback_success()
        .callback_id("AAAA")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(unknown.is_resource_not_found_exception(), "{unknown:?}");

    let listed = client
        .list_durable_executions_by_function()
        .function_name("approval")
        .send()
        .await
        .unwrap();
    let statuses: Vec<&ExecutionStatus> = listed
        .durable_executions()
        .iter()
        .map(|e| e.status())
        .collect();
    assert_eq!(
        statuses,
        vec![&ExecutionStatus::Succeeded, &ExecutionStatus::Failed]
    );
    let only_failed = client
        .list_durable_executions_by_function()
        .function_name("approval")
        .statuses(ExecutionStatus::Failed)
        .send()
        .await
        .unwrap();
    assert_eq!(only_failed.durable_executions().len(), 1);
    assert_eq!(
        only_failed.durable_executions()[0].durable_execution_arn(),
        arn2
    );
}

#[tokio::test]
async fn stop_ends_a_running_execution_and_plain_functions_answer_invoke() {
    let (_dir, local, server) = served().await;
    let client = lambda_client(&server.endpoint_url());
    let started = client
        .invoke()
        .function_name("approval")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let arn = started.durable_execution_arn().unwrap().to_owned();
    local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    let stopped = client
        .stop_durable_execution()
        .durable_execution_arn(&arn)
        .error(
            ErrorObject::builder()
                .error_type("Abort")
                .error_message("operator")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(stopped.stop_timestamp().secs() > 0);
    let e = client
        .get_durable_execution()
        .durable_execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(e.status(), &ExecutionStatus::Stopped);
    assert_eq!(e.error().unwrap().error_message(), Some("operator"));

    let plain = client
        .invoke()
        .function_name("add-one")
        .payload(Blob::new("41"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.payload().unwrap().as_ref(), b"42");
    let missing = client
        .invoke()
        .function_name("nope")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    let bad_json = client
        .invoke()
        .function_name("add-one")
        .payload(Blob::new("{not json"))
        .send()
        .await
        .unwrap_err();
    assert!(
        format!("{bad_json:?}").contains("Could not parse request body into json"),
        "{bad_json:?}"
    );
    let json_result: Value = serde_json::from_slice(plain.payload().unwrap().as_ref()).unwrap();
    assert_eq!(json_result, json!(42));
}
