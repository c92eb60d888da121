//! Sample durable workflows, served by `durable-local serve --demo`: the crash tests, the
//! benchmark and newcomers use them. Each step body appends a line to an optional side-effect
//! file, so a test can count how often a body really ran across crashes and replays.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_durable_execution_sdk::{BoxError, Branch, DurableContext, RetryDecision};
use serde_json::{Value, json};

use crate::error::Error;
use crate::local::DurableLocal;

/// Where step bodies record that they ran.
#[derive(Debug, Clone, Default)]
pub struct SideEffects {
    path: Option<PathBuf>,
}

impl SideEffects {
    /// Records into `path` (one line per body run), or nowhere.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    /// Appends `line` to the file.
    pub(crate) fn record(&self, line: &str) -> Result<(), BoxError> {
        if let Some(path) = &self.path {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

async fn recorded_step(
    ctx: &DurableContext,
    effects: &Arc<SideEffects>,
    execution: &str,
    name: &str,
) -> Result<String, BoxError> {
    let effects = Arc::clone(effects);
    let line = format!("{execution}:{name}");
    let out: String = ctx
        .step(move |_| async move {
            effects.record(&line)?;
            Ok(line)
        })
        .name(name)
        .await?;
    Ok(out)
}

/// Registers the sample workflows on `local`:
/// - `seven-steps`: five steps and a parallel of two (the benchmark's workflow);
/// - `crash-wait`: a step, a 3 s wait, a step;
/// - `crash-callback`: a step, a callback (10 min timeout), a step;
/// - `crash-retry`: a step, a step failing its first attempt with a 3 s retry delay, a step.
pub fn register(local: &DurableLocal, effects: SideEffects) -> Result<(), Error> {
    local.register_durable(
        "seven-steps",
        |input: Value, ctx: DurableContext| async move { seven_steps(input, ctx).await },
    )?;
    let effects = Arc::new(effects);
    let e = Arc::clone(&effects);
    local.register_durable("crash-wait", move |input: Value, ctx: DurableContext| {
        let e = Arc::clone(&e);
        async move {
            let id = input
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("wait")
                .to_owned();
            recorded_step(&ctx, &e, &id, "before").await?;
            ctx.wait(Duration::from_secs(3)).name("pause").await?;
            recorded_step(&ctx, &e, &id, "after").await?;
            Ok(json!({"done": id}))
        }
    })?;
    let e = Arc::clone(&effects);
    local.register_durable(
        "crash-callback",
        move |input: Value, ctx: DurableContext| {
            let e = Arc::clone(&e);
            async move {
                let id = input
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("callback")
                    .to_owned();
                recorded_step(&ctx, &e, &id, "before").await?;
                let callback = ctx
                    .create_callback::<Value>()
                    .name("approval")
                    .timeout(Duration::from_secs(600))
                    .await?;
                let answer = callback.result().await?;
                recorded_step(&ctx, &e, &id, "after").await?;
                Ok(json!({"done": id, "answer": answer}))
            }
        },
    )?;
    let e = Arc::clone(&effects);
    local.register_durable("crash-retry", move |input: Value, ctx: DurableContext| {
        let e = Arc::clone(&e);
        async move {
            let id = input
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("retry")
                .to_owned();
            recorded_step(&ctx, &e, &id, "before").await?;
            let effects = Arc::clone(&e);
            let line = format!("{id}:flaky");
            let attempt: u32 = ctx
                .step(move |step| async move {
                    effects.record(&format!("{line}#{}", step.attempt()))?;
                    if step.attempt() < 2 {
                        return Err::<u32, BoxError>("first attempt fails".into());
                    }
                    Ok(step.attempt())
                })
                .name("flaky")
                .retry_strategy(|_, attempt| {
                    if attempt < 3 {
                        RetryDecision::Retry {
                            delay: Duration::from_secs(3),
                        }
                    } else {
                        RetryDecision::Stop
                    }
                })
                .await?;
            recorded_step(&ctx, &e, &id, "after").await?;
            Ok(json!({"done": id, "attempt": attempt}))
        }
    })?;
    Ok(())
}

/// The benchmark's workflow: five steps and a parallel of two.
pub async fn seven_steps(input: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let n = input.get("n").and_then(Value::as_i64).unwrap_or(0);
    let a: i64 = ctx
        .step(move |_| async move { Ok(n + 1) })
        .name("one")
        .await?;
    let b: i64 = ctx
        .step(move |_| async move { Ok(a * 2) })
        .name("two")
        .await?;
    let branches = vec![
        Branch::new("left", move |c: DurableContext| async move {
            c.step(move |_| async move { Ok(b + 10) })
                .name("left-step")
                .await
                .map_err(Into::into)
        }),
        Branch::new("right", move |c: DurableContext| async move {
            c.step(move |_| async move { Ok(b + 20) })
                .name("right-step")
                .await
                .map_err(Into::into)
        }),
    ];
    let pair: Vec<i64> = ctx.parallel(branches).name("fan-out").await?;
    let sum: i64 = pair.iter().sum();
    let c: i64 = ctx
        .step(move |_| async move { Ok(sum * 3) })
        .name("three")
        .await?;
    let d: i64 = ctx
        .step(move |_| async move { Ok(c - 1) })
        .name("four")
        .await?;
    let e: i64 = ctx
        .step(move |_| async move { Ok(d + 100) })
        .name("five")
        .await?;
    Ok(json!({"result": e}))
}
