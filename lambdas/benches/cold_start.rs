//! Cold start of the nine Lambda functions, release build: each binary is spawned fresh under a Runtime API
//! stand-in on 127.0.0.1 (`tests/support/runtime_api.rs`), with moto server as its AWS endpoint (the SSM parameters
//! the functions read at cold start exist there), `COLD_START_RUNS` times (default 20). For every spawn it measures
//!
//! - **ready**: from spawn to the function's first `GET /runtime/invocation/next` (its cold start is over);
//! - **answered**: from spawn to its answer to one invocation that needs no downstream call (an empty batch for the
//!   queue and stream functions, a request without a token for the API functions, an order history from an Order
//!   Service that refuses connections for the activity, and for the orchestrator an input that is not a durable
//!   invocation, which it answers with an error);
//! - **peak RSS**: the process's high-water mark (`VmHWM`), read once it has answered and waits for its next
//!   invocation, i.e. the peak of its cold start and first invocation.
//!
//! ```text
//! make python-tools                                   # moto server in .venv
//! cargo build --release -p loyalty-lambdas --bins
//! cargo bench -p loyalty-lambdas --bench cold_start
//! ```
//!
//! It prints the median and the range of each figure per function, whether it meets the targets (ready <= 15 ms,
//! peak RSS <= 20 MiB), and the ratio to the Node 22 handlers it replaces where they were measured.
//! `COLD_START_BIN_DIR=DIR` measures the nine binaries in DIR instead (e.g. a copy of an earlier build, to compare).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/moto.rs"]
mod moto;
#[path = "../tests/support/runtime_api.rs"]
mod runtime_api;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use moto::Moto;
use runtime_api::{Answer, RuntimeApi, get_loyalty_event};

/// Ready time of a function, and its peak RSS, that the deployed service must stay within.
const TARGET_READY: Duration = Duration::from_millis(15);
const TARGET_RSS_MIB: f64 = 20.0;

/// The Node 22 handlers of the earlier service on the same 2-core machine class: spawn -> handler loaded without
/// the Datadog layer, and peak RSS without it.
const NODE: [(&str, f64, f64); 4] = [
    ("get-loyalty-account", 106.0, 76.0),
    ("handle-order-completed", 77.0, 67.0),
    ("handle-loyalty-points-updated", 366.0, 306.0),
    ("tier-upgrade-orchestrator", 154.0, 89.0),
];
/// `node -e 0` on that machine: 22 ms, 42.5 MiB.
const NODE_EMPTY: (f64, f64) = (22.0, 42.5);

struct Sample {
    ready: Duration,
    answered: Duration,
    peak_rss_kib: u64,
    answer: &'static str,
}

/// The functions and the event each answers without a downstream call.
fn functions() -> Vec<(&'static str, Value)> {
    let empty_batch = json!({"Records": []});
    vec![
        ("get-loyalty-account", get_loyalty_event(None)),
        ("spend-loyalty-points", get_loyalty_event(None)),
        ("handle-user-created", empty_batch.clone()),
        ("handle-order-completed", empty_batch.clone()),
        ("handle-loyalty-points-updated", empty_batch.clone()),
        ("tier-upgrade-trigger", empty_batch.clone()),
        (
            "tier-upgrade-orchestrator",
            json!({"not": "a durable invocation"}),
        ),
        ("fetch-order-history-activity", json!({"userId": "u-cold"})),
        ("notification-acknowledger", empty_batch),
    ]
}

/// Every variable any of the functions reads, so each finds its own.
fn environment(moto: &Moto) -> Vec<(&'static str, String)> {
    let arn = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}:live");
    vec![
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_LAMBDA_FUNCTION_NAME", "cold-start".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "stream".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "group".into()),
        ("ENV", "dev".into()),
        ("DOMAIN", "loyalty".into()),
        ("TABLE_NAME", "LoyaltyService-Points-dev".into()),
        ("EVENT_BUS_NAME", "LoyaltyService-bus-dev".into()),
        (
            "JWT_SECRET_PARAM_NAME",
            "/dev/shared/secret-access-key".into(),
        ),
        (
            "ORCHESTRATOR_FUNCTION_NAME",
            arn("LoyaltyService-tier-upgrade-orchestrator-dev"),
        ),
        (
            "FETCH_ORDER_HISTORY_ACTIVITY_ARN",
            arn("LoyaltyService-fetch-order-history-activity-dev"),
        ),
        (
            "PRODUCT_SERVICE_ENDPOINT_PARAM",
            "/dev/ProductService/api-endpoint".into(),
        ),
        (
            "PRODUCT_SEARCH_ENDPOINT_PARAM",
            "/dev/ProductSearchService/api-endpoint".into(),
        ),
        (
            "ORDER_SERVICE_ENDPOINT_PARAM",
            "/dev/OrdersService/api-endpoint".into(),
        ),
        ("RUST_LOG", "warn".into()),
    ]
}

async fn put_parameters(moto: &Moto, refused: &str) {
    let ssm = aws_sdk_ssm::Client::new(&moto.config);
    for (name, value, secure) in [
        ("/dev/shared/secret-access-key", "cold-start-secret", true),
        ("/dev/ProductService/api-endpoint", refused, false),
        ("/dev/ProductSearchService/api-endpoint", refused, false),
        ("/dev/OrdersService/api-endpoint", refused, false),
    ] {
        let kind = if secure {
            aws_sdk_ssm::types::ParameterType::SecureString
        } else {
            aws_sdk_ssm::types::ParameterType::String
        };
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send()
            .await
            .unwrap();
    }
}

/// The latency of what the SSM-reading functions wait for before they are ready: a `GetParameter` answered by the
/// same moto server (a Python process), measured from this process `runs` times.
async fn parameter_round_trip(moto: &Moto, runs: usize) -> (f64, f64, f64) {
    let ssm = aws_sdk_ssm::Client::new(&moto.config);
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        ssm.get_parameter()
            .name("/dev/OrdersService/api-endpoint")
            .send()
            .await
            .unwrap();
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    median_and_range(ms)
}

/// `VmHWM` of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("no VmHWM in /proc/<pid>/status")
}

async fn one_run(
    binary: &Path,
    env: &[(&'static str, String)],
    store: &CertStore,
    event: &Value,
) -> Sample {
    let runtime = RuntimeApi::start().await;
    runtime.invoke("cold-1", event.clone());
    let spawned = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .envs(store.env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let answer = runtime.answer("cold-1", Duration::from_secs(20)).await;
    let answered = runtime.answered_at("cold-1").unwrap() - spawned;
    let ready = runtime
        .first_next()
        .expect("answered without asking for an invocation")
        - spawned;
    // It answered and now waits in `GET /next`: its high-water mark covers the cold start and the invocation.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let peak_rss_kib = peak_rss_kib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    Sample {
        ready,
        answered,
        peak_rss_kib,
        answer: match answer {
            Answer::Response(_) => "response",
            Answer::Error(_) => "error",
        },
    }
}

/// A layout of the system certificate store, which every function reads once at cold start (through the AWS SDK's
/// HTTPS client), given to the function through `SSL_CERT_FILE` / `SSL_CERT_DIR` or, for this machine's own, through
/// no variable at all (the loader then probes the usual places).
struct CertStore {
    label: &'static str,
    env: Vec<(&'static str, String)>,
}

/// This machine's own store (on Debian: the bundle `/etc/ssl/certs/ca-certificates.crt` and the directory
/// `/etc/ssl/certs`, whose ~150 certificates the loader reads one file at a time after the bundle), and the Red Hat
/// family's layout that Lambda's `provided.al2023` image has: a bundle, and a directory `/etc/pki/tls/certs` holding
/// that bundle (`ca-bundle.crt`) and the bundle with trust flags (`ca-bundle.trust.crt`). The second is built in
/// `scratch` from this machine's bundle, the trust file as a second copy of it (parsed in full, where the real one's
/// `TRUSTED CERTIFICATE` blocks are skipped: an upper bound).
fn cert_stores(scratch: &Path) -> Vec<CertStore> {
    let bundle = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .expect("no system certificate bundle (/etc/ssl/certs/ca-certificates.crt) to build the provided.al2023 layout from");
    let certs = scratch.join("pki/tls/certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::copy(bundle, certs.join("ca-bundle.crt")).unwrap();
    std::fs::copy(bundle, certs.join("ca-bundle.trust.crt")).unwrap();
    vec![
        CertStore {
            label: "this machine's certificate store",
            env: Vec::new(),
        },
        CertStore {
            label: "provided.al2023's certificate layout",
            env: vec![
                (
                    "SSL_CERT_FILE",
                    certs.join("ca-bundle.crt").display().to_string(),
                ),
                ("SSL_CERT_DIR", certs.display().to_string()),
            ],
        },
    ]
}

fn median_and_range(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    (median, values[0], values[n - 1])
}

/// `COLD_START_BIN_DIR` (another build of the nine binaries, to compare two builds), else this build's release
/// directory.
fn release_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("COLD_START_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // target/release/deps/cold_start-<hash> -> target/release
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::var("COLD_START_RUNS")
        .ok()
        .map(|v| v.parse().expect("COLD_START_RUNS must be a whole number"))
        .unwrap_or(20);
    assert!(runs > 0, "COLD_START_RUNS must be at least 1");
    let dir = release_dir();
    for (name, _) in functions() {
        assert!(
            dir.join(name).exists(),
            "{} is missing: run `cargo build --release -p loyalty-lambdas --bins` first",
            dir.join(name).display()
        );
    }
    // A port nothing listens on: the activity's Order Service refuses at once.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let moto = Moto::start().await;
    put_parameters(&moto, &refused).await;
    let env = environment(&moto);
    println!(
        "cold start of the release functions in {} ({runs} fresh processes each; ready = spawn -> first GET /next, \
         answered = spawn -> first answer, peak RSS = VmHWM after it)",
        dir.display()
    );
    let (ssm, ssm_min, ssm_max) = parameter_round_trip(&moto, runs).await;
    println!(
        "an SSM GetParameter answered by this moto server (the API functions wait for one before they are \
         ready, the orchestrator and the activity for two at once): {ssm:.1} ms [{ssm_min:.1}-{ssm_max:.1}]"
    );
    let scratch = tempfile::tempdir().unwrap();
    let stores = cert_stores(scratch.path());
    let mut all_met = vec![true; stores.len()];
    for (name, event) in functions() {
        let binary = dir.join(name);
        // The layouts alternate run by run, so that a drift of the machine's speed touches both alike.
        let mut samples: Vec<Vec<Sample>> =
            stores.iter().map(|_| Vec::with_capacity(runs)).collect();
        for _ in 0..runs {
            for (store, samples) in stores.iter().zip(samples.iter_mut()) {
                samples.push(one_run(&binary, &env, store, &event).await);
            }
        }
        for ((store, samples), all_met) in stores.iter().zip(&samples).zip(all_met.iter_mut()) {
            *all_met &= report(name, store, samples);
        }
    }
    for (store, all_met) in stores.iter().zip(all_met) {
        println!(
            "with {}: every function within the targets: {}",
            store.label,
            if all_met { "yes" } else { "no" }
        );
    }
    println!(
        "for scale, an empty `node -e 0`: {:.0} ms, {:.1} MiB",
        NODE_EMPTY.0, NODE_EMPTY.1
    );
}

/// Prints one function's figures with one certificate layout; whether they meet the targets.
fn report(name: &str, store: &CertStore, samples: &[Sample]) -> bool {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (ready, ready_min, ready_max) =
        median_and_range(samples.iter().map(|s| ms(s.ready)).collect());
    let (answered, answered_min, answered_max) =
        median_and_range(samples.iter().map(|s| ms(s.answered)).collect());
    let (rss, rss_min, rss_max) = median_and_range(
        samples
            .iter()
            .map(|s| s.peak_rss_kib as f64 / 1024.0)
            .collect(),
    );
    let met = ready <= ms(TARGET_READY) && rss <= TARGET_RSS_MIB;
    let node = NODE
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, node_ms, node_mib)| {
            format!(
                "; Node 22: {node_ms:.0} ms / {node_mib:.0} MiB = {:.1}x slower, {:.1}x the memory",
                node_ms / ready,
                node_mib / rss
            )
        })
        .unwrap_or_default();
    println!(
        "{name} ({}): ready {ready:.1} ms [{ready_min:.1}-{ready_max:.1}], answered {answered:.1} ms \
         [{answered_min:.1}-{answered_max:.1}] ({}), peak RSS {rss:.1} MiB [{rss_min:.1}-{rss_max:.1}] \
         (target <= 15 ms and <= 20 MiB: {}){node}",
        store.label,
        samples[0].answer,
        if met { "met" } else { "NOT met" }
    );
    met
}
