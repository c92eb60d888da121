//! Differential test: the same Rust handlers, on the unmodified SDK, run against durable-local
//! and against the official emulator `dex-local-runner`; final status, result and operations
//! (type, subtype, name, status) must be equal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use aws_durable_execution_sdk::builders::wait_for_condition::WaitStrategy;
use aws_durable_execution_sdk::{BoxError, Branch, DurableContext, RetryDecision};
use aws_sdk_lambda::primitives::Blob;
use durable_local::lambda_host::LambdaHost;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use serde_json::{Value, json};
use support::dex::{DexProcess, callback_id, observe, observe_within};
use support::lambda_client;

async fn steps_with_retry(input: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let base = input["base"].as_i64().unwrap_or(0);
    let a: i64 = ctx
        .step(move |_| async move { Ok(base + 1) })
        .name("first")
        .await?;
    let b: i64 = ctx
        .step(move |step| async move {
            if step.attempt() < 2 {
                return Err::<i64, BoxError>("transient".into());
            }
            Ok(a * 10)
        })
        .name("flaky")
        .retry_strategy(|_, attempt| {
            if attempt < 3 {
                RetryDecision::Retry {
                    delay: Duration::from_secs(1),
                }
            } else {
                RetryDecision::Stop
            }
        })
        .await?;
    Ok(json!({"a": a, "b": b}))
}

async fn fan_out(_: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    ctx.wait(Duration::from_secs(2)).name("pause").await?;
    let branches = vec![
        Branch::new("left", |c: DurableContext| async move {
            c.step(|_| async { Ok(1) })
                .name("l")
                .await
                .map_err(Into::into)
        }),
        Branch::new("right", |c: DurableContext| async move {
            c.step(|_| async { Ok(2) })
                .name("r")
                .await
                .map_err(Into::into)
        }),
    ];
    let pair: Vec<i32> = ctx.parallel(branches).name("pair").await?;
    let squares: Vec<i32> = ctx
        .map(vec![2, 3], |c: DurableContext, x: i32, _| async move {
            c.step(move |_| async move { Ok(x * x) })
                .name("sq")
                .await
                .map_err(Into::into)
        })
        .name("squares")
        .await?;
    let child: String = ctx
        .run_in_child_context(|c| async move {
            let v: i32 = c.step(|_| async { Ok(5) }).name("inner").await?;
            Ok(format!("child-{v}"))
        })
        .name("child")
        .await?;
    Ok(json!({"pair": pair, "squares": squares, "child": child}))
}

async fn approval(_: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let cb = ctx
        .create_callback::<Value>()
        .name("approval")
        .timeout(Duration::from_secs(600))
        .await?;
    let answer = cb.result().await?;
    let done: String = ctx
        .step(|_| async { Ok("recorded".to_owned()) })
        .name("record")
        .await?;
    Ok(json!({"answer": answer, "done": done}))
}

async fn poll(_: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let n: u32 = ctx
        .wait_for_condition(|_, s: u32| async move { Ok(s + 1) }, 0)
        .name("until-three")
        .wait_strategy(
            WaitStrategy::builder(|s: &u32| *s >= 3)
                .initial_delay(Duration::from_secs(1))
                .build(),
        )
        .await?;
    Ok(json!(n))
}

async fn failing(_: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    ctx.step(|_| async { Ok(1) }).name("fine").await?;
    let v: i32 = ctx
        .step(|_| async { Err::<i32, BoxError>("permanent".into()) })
        .name("broken")
        .retry_strategy(|_, _| RetryDecision::Stop)
        .await?;
    Ok(json!(v))
}

async fn seven(input: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    durable_local::demo::seven_steps(input, ctx).await
}

fn without_branch_names(mut observed: support::dex::Observed) -> support::dex::Observed {
    for op in observed
        .operations
        .iter_mut()
        .filter(|o| o.1 == "ParallelBranch")
    {
        op.2.clear();
    }
    observed.operations.sort();
    observed
}

macro_rules! register_all {
    ($target:expr) => {{
        $target
            .register_durable("steps-with-retry", steps_with_retry)
            .unwrap();
        $target.register_durable("fan-out", fan_out).unwrap();
        $target.register_durable("approval", approval).unwrap();
        $target.register_durable("poll", poll).unwrap();
        $target.register_durable("failing", failing).unwrap();
        $target.register_durable("seven-steps", seven).unwrap();
    }};
}

/// Answers the approval workflow's callback once it has started.
async fn approve(client: &aws_sdk_lambda::Client, arn: &str) {
    let id = callback_id(client, arn).await;
    client
        .send_durable_execution_callback_success()
        .callback_id(id)
        .result(Blob::new(r#"{"approved":true}"#))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_local_agrees_with_the_official_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("d.db"),
        DurableLocalOptions {
            time: TimeControl::Skip,
            ..DurableLocalOptions::default()
        },
    )
    .unwrap();
    register_all!(local);
    let local_server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let local_client = lambda_client(&local_server.endpoint_url());

    // The emulator needs a Lambda endpoint that runs the handlers: started first on a fixed
    // port, it learns the emulator's address afterwards through a shared cell.
    let dex_port_holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dex_port = dex_port_holder.local_addr().unwrap().port();
    drop(dex_port_holder);
    let host = LambdaHost::new(&format!("http://127.0.0.1:{dex_port}"));
    register_all!(host);
    let host_server = host.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dex = DexProcess::start_on(dex_port, &host_server.endpoint_url(), true);
    let dex_client = lambda_client(&dex.endpoint);

    let cases: Vec<(&str, Value)> = vec![
        ("steps-with-retry", json!({"base": 4})),
        ("fan-out", json!({})),
        ("approval", json!({})),
        ("poll", json!({})),
        ("failing", json!({})),
        ("seven-steps", json!({"n": 3})),
    ];
    for (i, (function, input)) in cases.iter().enumerate() {
        let name = format!("diff-{i}");
        let local_arn = local.start_execution(function, Some(&name), input).unwrap();
        if *function == "approval" {
            approve(&local_client, &local_arn).await;
        }
        let ours = observe(&local_client, &local_arn).await;
        // The emulator side sometimes leaves an execution RUNNING for good (seen on `fan-out`,
        // whose two branches checkpoint concurrently, about 1 run in 5, also on an idle
        // machine; whether dex-local-runner 1.4.0 or the LambdaHost that runs the handlers for
        // it is at fault is not pinned down yet). A stuck reference run is not a difference to
        // report: that side gets one fresh execution more; durable-local gets no second chance.
        let mut theirs = None;
        for attempt in 0..2 {
            let dex_arn = dex
                .start_execution(function, &format!("{name}-{attempt}"), input)
                .await;
            if *function == "approval" {
                approve(&dex_client, &dex_arn).await;
            }
            theirs = observe_within(&dex_client, &dex_arn, Duration::from_secs(20)).await;
            if theirs.is_some() {
                break;
            }
            eprintln!(
                "dex-local-runner left {function} ({dex_arn}) running for 20 s; starting it once more"
            );
        }
        let Some(theirs) = theirs else {
            panic!("dex-local-runner left {function} running twice");
        };
        // Known emulator deviation (see the reference notes): dex-local-runner drops the
        // parallel-branch names the SDK sends. durable-local keeps them; compare without them.
        for op in ours.operations.iter().filter(|o| o.1 == "ParallelBranch") {
            assert!(
                ["left", "right"].contains(&op.2.as_str()),
                "{function}: branch name lost: {op:?}"
            );
        }
        let ours = without_branch_names(ours);
        let theirs = without_branch_names(theirs);
        assert_eq!(
            ours, theirs,
            "{function}: durable-local (left) and dex-local-runner (right) disagree"
        );
        assert!(
            !ours.operations.is_empty(),
            "{function}: no operations observed"
        );
    }
}
