//! Workflows on the unmodified official SDK reach the expected status, result and operations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_durable_execution_sdk::builders::wait_for_condition::WaitStrategy;
use aws_durable_execution_sdk::{BoxError, Branch, DurableContext, RetryDecision};
use durable_local::{
    DurableLocal, DurableLocalOptions, ErrorObject, ExecutionStatus, OperationStatus,
    OperationType, TimeControl,
};
use serde_json::{Value, json};

fn open(time: TimeControl) -> (tempfile::TempDir, DurableLocal) {
    let dir = tempfile::tempdir().unwrap();
    let options = DurableLocalOptions {
        time,
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(dir.path().join("durable.db"), options).unwrap();
    (dir, local)
}

fn ops(local: &DurableLocal, arn: &str) -> Vec<(OperationType, String, String, OperationStatus)> {
    local
        .operations(arn)
        .unwrap()
        .into_iter()
        .map(|o| {
            (
                o.op_type,
                o.sub_type.unwrap_or_default(),
                o.name.unwrap_or_default(),
                o.status,
            )
        })
        .collect()
}

fn result(info: &durable_local::ExecutionInfo) -> Value {
    serde_json::from_str(info.result.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn a_failing_step_is_retried_after_its_delay_until_it_succeeds() {
    let (_dir, local) = open(TimeControl::Scaled(0.01));
    let runs = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&runs);
    local
        .register_durable("flaky", move |_: Value, ctx: DurableContext| {
            let counter = Arc::clone(&counter);
            async move {
                let out: String = ctx
                    .step(move |step| async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        if step.attempt() < 3 {
                            return Err::<String, BoxError>(
                                format!("attempt {} failed", step.attempt()).into(),
                            );
                        }
                        Ok(format!("ok on attempt {}", step.attempt()))
                    })
                    .name("charge")
                    .retry_strategy(|_, attempt| {
                        if attempt < 5 {
                            RetryDecision::Retry {
                                delay: Duration::from_secs(2),
                            }
                        } else {
                            RetryDecision::Stop
                        }
                    })
                    .await?;
                Ok(out)
            }
        })
        .unwrap();
    let started = std::time::Instant::now();
    let info = local
        .run("flaky", Some("flaky-1"), &json!({}))
        .await
        .unwrap();
    assert_eq!(info.status, ExecutionStatus::Succeeded);
    assert_eq!(result(&info), json!("ok on attempt 3"));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    assert_eq!(info.invocations, 3);
    // Two 2 s delays scaled by 0.01: at least 40 ms.
    assert!(started.elapsed() >= Duration::from_millis(40));
    let steps = local.operations(&info.arn).unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].status, OperationStatus::Succeeded);
    assert_eq!(steps[0].attempt, 2);
}

#[tokio::test]
async fn a_wait_suspends_the_execution_until_its_timer_fires() {
    let (_dir, local) = open(TimeControl::Scaled(0.01));
    local
        .register_durable("waiter", |n: u32, ctx: DurableContext| async move {
            let a: u32 = ctx
                .step(move |_| async move { Ok(n + 1) })
                .name("before")
                .await?;
            ctx.wait(Duration::from_secs(10)).name("cooldown").await?;
            let b: u32 = ctx
                .step(move |_| async move { Ok(a * 10) })
                .name("after")
                .await?;
            Ok(b)
        })
        .unwrap();
    let started = std::time::Instant::now();
    let info = local.run("waiter", None, &4).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(result(&info), json!(50));
    assert_eq!(info.invocations, 2);
    assert_eq!(
        ops(&local, &info.arn),
        vec![
            (
                OperationType::Step,
                "Step".into(),
                "before".into(),
                OperationStatus::Succeeded
            ),
            (
                OperationType::Wait,
                "Wait".into(),
                "cooldown".into(),
                OperationStatus::Succeeded
            ),
            (
                OperationType::Step,
                "Step".into(),
                "after".into(),
                OperationStatus::Succeeded
            ),
        ]
    );
}

#[tokio::test]
async fn parallel_map_and_child_context_return_every_branch_result() {
    let (_dir, local) = open(TimeControl::Skip);
    local
        .register_durable("fanout", |_: Value, ctx: DurableContext| async move {
            let branches = vec![
                Branch::new("left", |c: DurableContext| async move {
                    c.step(|_| async { Ok(1) })
                        .name("one")
                        .await
                        .map_err(Into::into)
                }),
                Branch::new("right", |c: DurableContext| async move {
                    c.step(|_| async { Ok(2) })
                        .name("two")
                        .await
                        .map_err(Into::into)
                }),
            ];
            let pair: Vec<i32> = ctx.parallel(branches).name("pair").await?;
            let squares: Vec<i32> = ctx
                .map(
                    vec![3, 4, 5],
                    |c: DurableContext, item: i32, _| async move {
                        c.step(move |_| async move { Ok(item * item) })
                            .name("square")
                            .await
                            .map_err(Into::into)
                    },
                )
                .name("squares")
                .await?;
            let child: String = ctx
                .run_in_child_context(|c| async move {
                    let v: i32 = c.step(|_| async { Ok(7) }).name("inner").await?;
                    Ok(format!("child {v}"))
                })
                .name("child")
                .await?;
            Ok(json!({"pair": pair, "squares": squares, "child": child}))
        })
        .unwrap();
    let info = local.run("fanout", None, &json!({})).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Succeeded);
    assert_eq!(
        result(&info),
        json!({"pair": [1, 2], "squares": [9, 16, 25], "child": "child 7"})
    );
    let all = ops(&local, &info.arn);
    let contexts: Vec<&str> = all
        .iter()
        .filter(|o| o.0 == OperationType::Context)
        .map(|o| o.1.as_str())
        .collect();
    assert_eq!(
        contexts,
        vec![
            "Parallel",
            "ParallelBranch",
            "ParallelBranch",
            "Map",
            "MapIteration",
            "MapIteration",
            "MapIteration",
            "RunInChildContext"
        ]
    );
    assert!(all.iter().all(|o| o.3 == OperationStatus::Succeeded));
    assert_eq!(all.iter().filter(|o| o.0 == OperationType::Step).count(), 6);
}

fn register_callback_workflow(
    local: &DurableLocal,
    name: &str,
    timeout_s: u64,
    heartbeat_s: Option<u64>,
) {
    local
        .register_durable(name, move |_: Value, ctx: DurableContext| async move {
            let mut builder = ctx
                .create_callback::<Value>()
                .name("approval")
                .timeout(Duration::from_secs(timeout_s));
            if let Some(h) = heartbeat_s {
                builder = builder.heartbeat(Duration::from_secs(h));
            }
            let callback = builder.await?;
            let answer = callback.result().await?;
            Ok(json!({"answer": answer}))
        })
        .unwrap();
}

#[tokio::test]
async fn a_callback_completed_with_success_resumes_the_execution_with_its_result() {
    let (_dir, local) = open(TimeControl::Real);
    register_callback_workflow(&local, "approve", 3600, None);
    let arn = local
        .start_execution("approve", Some("cb-ok"), &json!({}))
        .unwrap();
    let id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    local
        .send_callback_success(&id, &json!({"approved": true}))
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Succeeded);
    assert_eq!(result(&info), json!({"answer": {"approved": true}}));
    let err = local.send_callback_success(&id, &json!(1)).unwrap_err();
    assert!(
        err.to_string()
            .contains("belongs to an execution that is SUCCEEDED"),
        "{err}"
    );
}

#[tokio::test]
async fn a_callback_completed_with_failure_fails_the_execution_with_that_error() {
    let (_dir, local) = open(TimeControl::Real);
    register_callback_workflow(&local, "reject", 3600, None);
    let arn = local.start_execution("reject", None, &json!({})).unwrap();
    let id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    local
        .send_callback_failure(&id, ErrorObject::new("Rejected", "manager said no"))
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Failed);
    let error = info.error.unwrap();
    assert_eq!(error.error_type.as_deref(), Some("Rejected"));
    assert_eq!(error.error_message.as_deref(), Some("manager said no"));
}

#[tokio::test]
async fn a_five_minute_callback_timeout_fires_in_milliseconds_under_scaled_time() {
    let (_dir, local) = open(TimeControl::Scaled(0.001));
    register_callback_workflow(&local, "timeout", 300, None);
    let started = std::time::Instant::now();
    let info = local.run("timeout", None, &json!({})).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(info.status, ExecutionStatus::Failed);
    assert_eq!(
        ops(&local, &info.arn),
        vec![(
            OperationType::Callback,
            "Callback".into(),
            "approval".into(),
            OperationStatus::TimedOut
        )]
    );
}

#[tokio::test]
async fn heartbeats_keep_a_callback_alive_past_its_heartbeat_timeout() {
    // Heartbeat timeout 10 s scaled by 0.02 = 200 ms; heartbeats every 50 ms for 600 ms.
    let (_dir, local) = open(TimeControl::Scaled(0.02));
    register_callback_workflow(&local, "heartbeat", 3600, Some(10));
    let arn = local
        .start_execution("heartbeat", None, &json!({}))
        .unwrap();
    let id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        local.send_callback_heartbeat(&id).unwrap();
    }
    local
        .send_callback_success(&id, &json!("late but alive"))
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(result(&info), json!({"answer": "late but alive"}));

    // Without heartbeats the same callback times out.
    let arn = local
        .start_execution("heartbeat", Some("silent"), &json!({}))
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Failed);
    assert_eq!(
        local.operations(&arn).unwrap()[0].status,
        OperationStatus::TimedOut
    );
}

#[tokio::test]
async fn wait_for_callback_hands_the_id_to_the_submitter_and_returns_the_result() {
    let (_dir, local) = open(TimeControl::Real);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    local
        .register_durable("ack", move |_: Value, ctx: DurableContext| {
            let tx = tx.clone();
            async move {
                let ack: String = ctx
                    .wait_for_callback::<String, _, _>(move |_, id| {
                        let tx = tx.clone();
                        async move {
                            tx.send(id)
                                .map_err(|e| -> BoxError { e.to_string().into() })?;
                            Ok(())
                        }
                    })
                    .name("await-ack")
                    .timeout(Duration::from_secs(600))
                    .await?;
                Ok(ack)
            }
        })
        .unwrap();
    let arn = local.start_execution("ack", None, &json!({})).unwrap();
    let id = rx.recv().await.unwrap();
    local.send_callback_success(&id, &json!("acked")).unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(result(&info), json!("acked"));
    let all = ops(&local, &arn);
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[0],
        (
            OperationType::Context,
            "WaitForCallback".into(),
            "await-ack".into(),
            OperationStatus::Succeeded
        )
    );
    assert_eq!(
        all[1..],
        [
            (
                OperationType::Callback,
                "Callback".into(),
                String::new(),
                OperationStatus::Succeeded
            ),
            (
                OperationType::Step,
                "Step".into(),
                String::new(),
                OperationStatus::Succeeded
            ),
        ]
    );
}

#[tokio::test]
async fn chained_invokes_run_a_durable_child_and_a_plain_function() {
    let (_dir, local) = open(TimeControl::Skip);
    local.register_function("double", |n: i64| async move { Ok::<_, BoxError>(n * 2) });
    local.register_function("explode", |_: Value| async move {
        Err::<Value, BoxError>("boom".into())
    });
    local
        .register_durable("child", |n: i64, ctx: DurableContext| async move {
            ctx.wait(Duration::from_secs(30)).name("child-wait").await?;
            let v: i64 = ctx
                .step(move |_| async move { Ok(n + 100) })
                .name("add")
                .await?;
            Ok(v)
        })
        .unwrap();
    local
        .register_durable("parent", |_: Value, ctx: DurableContext| async move {
            let doubled: i64 = ctx.invoke::<i64, _>("double", 21).name("double-it").await?;
            let child: i64 = ctx
                .invoke::<i64, _>("child", doubled)
                .name("run-child")
                .await?;
            let failed = ctx
                .invoke::<Value, _>("explode", json!({}))
                .name("explode")
                .await;
            Ok(json!({"doubled": doubled, "child": child, "explode_failed": failed.is_err()}))
        })
        .unwrap();
    let info = local.run("parent", Some("p1"), &json!({})).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Succeeded, "{info:?}");
    assert_eq!(
        result(&info),
        json!({"doubled": 42, "child": 142, "explode_failed": true})
    );
    let invokes: Vec<_> = ops(&local, &info.arn);
    assert_eq!(
        invokes,
        vec![
            (
                OperationType::ChainedInvoke,
                "ChainedInvoke".into(),
                "double-it".into(),
                OperationStatus::Succeeded
            ),
            (
                OperationType::ChainedInvoke,
                "ChainedInvoke".into(),
                "run-child".into(),
                OperationStatus::Succeeded
            ),
            (
                OperationType::ChainedInvoke,
                "ChainedInvoke".into(),
                "explode".into(),
                OperationStatus::Failed
            ),
        ]
    );
    let children = local.list_executions("child").unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(
        local.get_execution(&children[0]).unwrap().result.as_deref(),
        Some("142")
    );
}

#[tokio::test]
async fn wait_for_condition_polls_until_the_predicate_holds() {
    let (_dir, local) = open(TimeControl::Scaled(0.001));
    local
        .register_durable("poll", |_: Value, ctx: DurableContext| async move {
            let state: u32 = ctx
                .wait_for_condition(|_, s: u32| async move { Ok(s + 1) }, 0)
                .name("until-three")
                .wait_strategy(
                    WaitStrategy::builder(|s: &u32| *s >= 3)
                        .initial_delay(Duration::from_secs(1))
                        .build(),
                )
                .await?;
            Ok(state)
        })
        .unwrap();
    let info = local.run("poll", None, &json!({})).await.unwrap();
    assert_eq!(result(&info), json!(3));
    assert_eq!(info.invocations, 3);
    assert_eq!(
        ops(&local, &info.arn),
        vec![(
            OperationType::Step,
            "WaitForCondition".into(),
            "until-three".into(),
            OperationStatus::Succeeded
        )]
    );
}

#[tokio::test]
async fn an_execution_past_its_timeout_is_timed_out() {
    let (_dir, local) = open(TimeControl::Real);
    local
        .register_durable_with_timeout(
            "slow",
            Duration::from_secs(1),
            |_: Value, ctx: DurableContext| async move {
                ctx.wait(Duration::from_secs(3600)).await?;
                Ok("never")
            },
        )
        .unwrap();
    let info = local.run("slow", None, &json!({})).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::TimedOut);
    assert_eq!(
        info.error.unwrap().error_type.as_deref(),
        Some("Execution.TimedOut")
    );
}

#[tokio::test]
async fn a_stopped_execution_ends_stopped_and_refuses_its_callback() {
    let (_dir, local) = open(TimeControl::Real);
    register_callback_workflow(&local, "stoppable", 3600, None);
    let arn = local
        .start_execution("stoppable", None, &json!({}))
        .unwrap();
    let id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    local
        .stop(&arn, Some(ErrorObject::new("Cancelled", "operator stop")))
        .unwrap();
    let info = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(info.status, ExecutionStatus::Stopped);
    assert_eq!(
        info.error.unwrap().error_message.as_deref(),
        Some("operator stop")
    );
    assert!(local.send_callback_success(&id, &json!(1)).is_err());
    assert!(local.stop(&arn, None).is_err());
}

#[tokio::test]
async fn starting_by_name_is_idempotent_for_the_same_input_only() {
    let (_dir, local) = open(TimeControl::Skip);
    local
        .register_durable(
            "echo",
            |v: Value, _ctx: DurableContext| async move { Ok(v) },
        )
        .unwrap();
    let first = local
        .start_execution("echo", Some("same"), &json!({"a": 1}))
        .unwrap();
    let again = local
        .start_execution("echo", Some("same"), &json!({"a": 1}))
        .unwrap();
    assert_eq!(first, again);
    let err = local
        .start_execution("echo", Some("same"), &json!({"a": 2}))
        .unwrap_err();
    match err {
        durable_local::Error::Service(e) => {
            assert_eq!(e.error_type(), "DurableExecutionAlreadyStartedException")
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        result(&local.wait_for_completion(&first).await.unwrap()),
        json!({"a": 1})
    );
}

#[tokio::test]
async fn a_checkpoint_with_a_stale_token_is_rejected_as_invalid_checkpoint_token() {
    let (_dir, local) = open(TimeControl::Real);
    register_callback_workflow(&local, "held", 3600, None);
    let arn = local.start_execution("held", None, &json!({})).unwrap();
    local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    let err = local
        .lambda_client()
        .checkpoint_durable_execution()
        .durable_execution_arn(&arn)
        .checkpoint_token("stale-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_value_exception(), "{err:?}");
    assert!(
        err.meta()
            .message()
            .unwrap()
            .starts_with("Invalid Checkpoint Token"),
        "{err:?}"
    );
    let missing = local
        .lambda_client()
        .get_durable_execution()
        .durable_execution_arn(format!("{arn}-missing"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception(), "{missing:?}");
    local.stop(&arn, None).unwrap();
}
