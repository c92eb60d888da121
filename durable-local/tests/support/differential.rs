//! Runs durable functions on durable-local and on the official emulator `dex-local-runner` and compares what each
//! execution ends with: status, result and operations (type, subtype, name, status).

use std::time::Duration;

use durable_local::lambda_host::LambdaHost;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use serde_json::Value;

use super::dex::{DexProcess, observe, observe_within};
use super::lambda_client;

/// Registers the same functions on both sides (`register_local`, `register_host`: each with state of its own),
/// starts each of `functions` with `input` on both, waits until each execution ends, and asserts that both agree.
/// `register_host` also registers each function as `<function>-again`, with fresh state: the one more run of a
/// reference execution the emulator left running. Time is skipped on both sides.
pub async fn agree_with_the_emulator(
    register_local: impl FnOnce(&DurableLocal),
    register_host: impl FnOnce(&LambdaHost),
    functions: &[&str],
    input: &Value,
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

    for function in functions {
        let name = format!("gen-{function}");
        let local_arn = local.start_execution(function, Some(&name), input).unwrap();
        let ours = observe(&local_client, &local_arn).await;
        // As in differential.rs: a reference run the emulator leaves RUNNING is started once more rather than
        // reported as a difference.
        let mut theirs = None;
        for attempt in 0..2 {
            let registered = if attempt == 0 {
                function.to_string()
            } else {
                format!("{function}-again")
            };
            let dex_arn = dex
                .start_execution(&registered, &format!("{name}-{attempt}"), input)
                .await;
            theirs = observe_within(&dex_client, &dex_arn, Duration::from_secs(30)).await;
            if theirs.is_some() {
                break;
            }
            eprintln!(
                "dex-local-runner left {function} ({dex_arn}) running for 30 s; starting it once more"
            );
        }
        let Some(theirs) = theirs else {
            panic!("dex-local-runner left {function} running twice");
        };
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
