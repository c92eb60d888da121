//! The Lambda-side workflow ports (async `Invoke` with a durable execution name, behaviour F10; callback success,
//! behaviour F12) against durable-local served over HTTP on 127.0.0.1, through the official `aws_sdk_lambda` client.

use std::time::Duration;

use aws_durable_execution_sdk::{BoxError, DurableContext};
use durable_local::{DurableLocal, DurableLocalOptions, ExecutionStatus};
use loyalty_lambdas::aws::LambdaWorkflows;
use loyalty_lambdas::aws::config::sdk_config_for_endpoint;
use loyalty_service::tier_workflow::ports::{
    CallbackOutcome, CallbackSender, StartOutcome, WorkflowStarter,
};
use serde_json::{Value, json};

async fn waiter(input: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let ack: Value = ctx
        .wait_for_callback::<Value, _, _>(|_step, _callback_id| async move { Ok(()) })
        .name("await-ack")
        .await?;
    Ok(json!({"input": input, "ack": ack}))
}

#[tokio::test]
async fn a_named_start_runs_once_and_its_callback_completes_once() {
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("durable.sqlite3"),
        DurableLocalOptions::default(),
    )
    .unwrap();
    local.register_durable("waiter", waiter).unwrap();
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = sdk_config_for_endpoint(&server.endpoint_url()).await;
    let workflows = LambdaWorkflows::new(aws_sdk_lambda::Client::new(&config));

    let started = workflows
        .start("waiter", "tier-Silver-abc", &json!({"userId": "u1"}))
        .await
        .unwrap();
    let StartOutcome::Started { arn } = started else {
        panic!("expected a new execution, got {started:?}")
    };
    assert!(arn.contains("tier-Silver-abc"), "{arn}");
    let duplicate = workflows
        .start(
            "waiter",
            "tier-Silver-abc",
            &json!({"userId": "u1", "totalPoints": 550}),
        )
        .await;
    assert_eq!(duplicate, Ok(StartOutcome::AlreadyStarted));
    assert_eq!(local.list_executions("waiter").unwrap().len(), 1);

    let callback_id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    let sent = workflows
        .send_success(
            &callback_id,
            &json!({"acknowledgedAt": "2026-11-25T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(sent, Ok(CallbackOutcome::Completed));
    let finished = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(finished.status, ExecutionStatus::Succeeded);
    let result: Value = serde_json::from_str(finished.result.as_deref().unwrap()).unwrap();
    assert_eq!(
        result,
        json!({"input": {"userId": "u1"}, "ack": {"acknowledgedAt": "2026-11-25T00:00:00.000Z"}})
    );

    let again = workflows
        .send_success(&callback_id, &json!({}))
        .await
        .unwrap();
    assert!(
        matches!(again, CallbackOutcome::AlreadySettled { .. }),
        "{again:?}"
    );
    let unknown = workflows
        .send_success("no-such-callback", &json!({}))
        .await
        .unwrap();
    let CallbackOutcome::AlreadySettled { reason } = unknown else {
        panic!("an unknown callback is settled")
    };
    assert!(
        reason.starts_with("ResourceNotFoundException")
            || reason.starts_with("InvalidParameterValueException"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_start_of_an_unknown_function_is_a_failure_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("durable.sqlite3"),
        DurableLocalOptions::default(),
    )
    .unwrap();
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = sdk_config_for_endpoint(&server.endpoint_url()).await;
    let workflows = LambdaWorkflows::new(aws_sdk_lambda::Client::new(&config));
    let error = workflows
        .start("missing", "n1", &json!({}))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("ResourceNotFoundException"),
        "{error}"
    );
}
