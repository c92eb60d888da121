//! Runs durable functions on durable-local and on the official emulator `dex-local-runner` and compares what each
//! execution ends with: status, result and operations (type, subtype, name, status).

use std::time::Duration;

use durable_local::lambda_host::LambdaHost;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use serde_json::Value;

use super::dex::{DexProcess, Observed, callback_id_within, observe, observe_within};
use super::lambda_client;

/// The suffixes of the names `register_host` registers each function under: one per run of a reference
/// execution. `dex-local-runner` 1.4.0 leaves about one in three executions that wait between attempts (a poll, a
/// retried step) running for good; each further run is one more chance, with state of its own, so that a run
/// the emulator abandoned is not reported as a difference.
pub const REFERENCE_RUNS: [&str; 5] = ["", "-again", "-again-2", "-again-3", "-again-4"];

/// How long one reference run may take before it counts as abandoned (a finished run takes a few seconds).
const REFERENCE_RUN_WINDOW: Duration = Duration::from_secs(15);

/// One execution to run on both sides.
pub struct Case {
    /// The registered function.
    pub function: String,
    /// Its input.
    pub input: Value,
    /// The result each side's execution receives for its callback, once it has started one; `None` when the
    /// execution starts no callback.
    pub callback: Option<Value>,
}

/// Registers the same functions on both sides (`register_local`, `register_host`: each with state of its own),
/// starts each of `functions` with `input` on both, waits until each execution ends, and asserts that both agree.
/// `register_host` registers each function under each name of [`REFERENCE_RUNS`] (`<function><suffix>`), each
/// with fresh state: the further runs of a reference execution the emulator left running. Time is skipped on both
/// sides.
pub async fn agree_with_the_emulator(
    register_local: impl FnOnce(&DurableLocal),
    register_host: impl FnOnce(&LambdaHost),
    functions: &[&str],
    input: &Value,
) {
    let cases: Vec<Case> = functions
        .iter()
        .map(|function| Case {
            function: function.to_string(),
            input: input.clone(),
            callback: None,
        })
        .collect();
    agree_on_cases(register_local, register_host, &cases).await;
}

/// [`agree_with_the_emulator`] with an input (and a callback answer) per execution.
pub async fn agree_on_cases(
    register_local: impl FnOnce(&DurableLocal),
    register_host: impl FnOnce(&LambdaHost),
    cases: &[Case],
) {
    agree_on_cases_as(register_local, register_host, cases, |_, _, observed| {
        observed
    })
    .await;
}

/// Which side of the comparison an observation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// durable-local.
    Local,
    /// The official emulator.
    Emulator,
}

/// [`agree_on_cases`], comparing what `compare(side, function, observed)` makes of each side's observation: the
/// place to check and then leave out a known deviation of the emulator.
pub async fn agree_on_cases_as(
    register_local: impl FnOnce(&DurableLocal),
    register_host: impl FnOnce(&LambdaHost),
    cases: &[Case],
    compare: impl Fn(Side, &str, Observed) -> Observed,
) {
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("d.db"),
        DurableLocalOptions {
            time: TimeControl::Skip,
            ..DurableLocalOptions::default()
        },
    )
    .unwrap();
    register_local(&local);
    let local_server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let local_client = lambda_client(&local_server.endpoint_url());

    // The emulator calls back into a Lambda endpoint running the same handlers.
    let dex_port_holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dex_port = dex_port_holder.local_addr().unwrap().port();
    drop(dex_port_holder);
    let host = LambdaHost::new(&format!("http://127.0.0.1:{dex_port}"));
    register_host(&host);
    let host_server = host.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dex = DexProcess::start_on(dex_port, &host_server.endpoint_url(), true);
    let dex_client = lambda_client(&dex.endpoint);

    for case in cases {
        let (function, input) = (&case.function, &case.input);
        let name = format!("gen-{function}");
        let local_arn = local.start_execution(function, Some(&name), input).unwrap();
        if let Some(result) = &case.callback {
            assert!(
                answer_within(&local_client, &local_arn, result, Duration::from_secs(30)).await,
                "{function}: durable-local started no callback in 30 s"
            );
        }
        let ours = observe(&local_client, &local_arn).await;
        // As in differential.rs: a reference run the emulator leaves RUNNING is started once more rather than
        // reported as a difference.
        let mut theirs = None;
        for (attempt, suffix) in REFERENCE_RUNS.iter().enumerate() {
            let registered = format!("{function}{suffix}");
            let dex_arn = dex
                .start_execution(&registered, &format!("{name}-{attempt}"), input)
                .await;
            if let Some(result) = &case.callback
                && !answer_within(&dex_client, &dex_arn, result, REFERENCE_RUN_WINDOW).await
            {
                eprintln!(
                    "dex-local-runner started no callback in {function} ({dex_arn}) for {REFERENCE_RUN_WINDOW:?}; \
                     starting it once more"
                );
                continue;
            }
            theirs = observe_within(&dex_client, &dex_arn, REFERENCE_RUN_WINDOW).await;
            if theirs.is_some() {
                break;
            }
            eprintln!(
                "dex-local-runner left {function} ({dex_arn}) running for {REFERENCE_RUN_WINDOW:?}; starting it once more"
            );
        }
        let Some(theirs) = theirs else {
            panic!(
                "dex-local-runner left {function} running {} times",
                REFERENCE_RUNS.len()
            );
        };
        let ours = compare(Side::Local, function, ours);
        let theirs = compare(Side::Emulator, function, theirs);
        assert_eq!(
            ours, theirs,
            "{function}: durable-local (left) and dex-local-runner (right) disagree"
        );
        assert!(
            !ours.operations.is_empty(),
            "{function}: no operations observed"
        );
        eprintln!(
            "{function}: {:?} {:?}, {} operations",
            ours.status,
            ours.result,
            ours.operations.len()
        );
    }
}

/// Completes the callback the execution `arn` starts with `result`, once it has started it; `false` when it
/// started none `within`.
pub async fn answer_within(
    client: &aws_sdk_lambda::Client,
    arn: &str,
    result: &Value,
    within: Duration,
) -> bool {
    let Some(id) = callback_id_within(client, arn, within).await else {
        return false;
    };
    client
        .send_durable_execution_callback_success()
        .callback_id(id)
        .result(aws_sdk_lambda::primitives::Blob::new(result.to_string()))
        .send()
        .await
        .unwrap();
    true
}
