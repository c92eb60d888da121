//! Throughput and latency of the 7-step workflow (five steps and a parallel of two) in-process
//! on durable-local with durable SQLite commits, and the same workflow on the official emulator
//! `dex-local-runner` in the same run. Prints its figures.
//!
//! Run: `cargo bench -p durable-local --bench throughput` (needs `make python-tools` for dex).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/dex.rs"]
mod dex;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::types::ExecutionStatus;
use durable_local::lambda_host::LambdaHost;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use serde_json::json;
use tokio::sync::Semaphore;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Figures {
    executions: usize,
    elapsed: Duration,
    latencies_ms: Vec<f64>,
    /// CPU seconds this process spent (user + system), when measured.
    cpu_seconds: Option<f64>,
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`, 100 ticks/s).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.executions as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut v = self.latencies_ms.clone();
        v.sort_by(f64::total_cmp);
        let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[idx]
    }

    fn print(&self, label: &str) {
        let cpu = self
            .cpu_seconds
            .map(|c| {
                format!(
                    "   CPU {:>6.2} ms/execution",
                    c * 1000.0 / self.executions as f64
                )
            })
            .unwrap_or_default();
        println!(
            "{label:<40} {:>6} executions in {:>7.2} s = {:>8.1} executions/s   p50 {:>8.2} ms   p99 {:>8.2} ms{cpu}",
            self.executions,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.percentile(0.50),
            self.percentile(0.99),
        );
    }
}

async fn bench_durable_local(executions: usize, concurrency: usize, batching: bool) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let options = DurableLocalOptions {
        time: TimeControl::Skip,
        checkpoint_batching: batching,
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(dir.path().join("bench.db"), options).unwrap();
    local
        .register_durable("seven-steps", durable_local::demo::seven_steps)
        .unwrap();
    // Warm-up (client initialisation, SQLite pages).
    for i in 0..20 {
        local
            .run("seven-steps", None, &json!({"n": i}))
            .await
            .unwrap();
    }
    let gate = Arc::new(Semaphore::new(concurrency));
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(executions);
    for i in 0..executions {
        let local = local.clone();
        let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let info = local
                .run("seven-steps", None, &json!({"n": i}))
                .await
                .unwrap();
            assert_eq!(
                info.result.as_deref(),
                Some(format!(r#"{{"result":{}}}"#, ((i as i64 + 1) * 4 + 30) * 3 + 99).as_str())
            );
            drop(permit);
            t.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut latencies_ms = Vec::with_capacity(executions);
    for t in tasks {
        latencies_ms.push(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    let cpu_seconds = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    Figures {
        executions,
        elapsed,
        latencies_ms,
        cpu_seconds,
    }
}

async fn bench_dex(executions: usize, concurrency: usize) -> Figures {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = LambdaHost::new(&format!("http://127.0.0.1:{port}"));
    host.register_durable("seven-steps", durable_local::demo::seven_steps)
        .unwrap();
    let host_server = host.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let dex = Arc::new(dex::DexProcess::start_on(
        port,
        &host_server.endpoint_url(),
        true,
    ));
    let client = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("b", "b", None, None, "bench"))
            .endpoint_url(&dex.endpoint)
            .build(),
    );
    let poll = Duration::from_millis(
        std::env::var("BENCH_DEX_POLL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10),
    );
    let run = |i: usize| {
        let dex = Arc::clone(&dex);
        let client = client.clone();
        async move {
            let t = Instant::now();
            let arn = dex
                .start_execution("seven-steps", &format!("bench-{i}"), &json!({"n": i}))
                .await;
            loop {
                let e = client
                    .get_durable_execution()
                    .durable_execution_arn(&arn)
                    .send()
                    .await
                    .unwrap();
                if e.status() != &ExecutionStatus::Running {
                    assert_eq!(e.status(), &ExecutionStatus::Succeeded);
                    break;
                }
                tokio::time::sleep(poll).await;
            }
            t.elapsed().as_secs_f64() * 1000.0
        }
    };
    for i in 0..3 {
        run(1_000_000 + i).await;
    }
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(executions);
    for i in 0..executions {
        let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
        let fut = run(i);
        tasks.push(tokio::spawn(async move {
            let ms = fut.await;
            drop(permit);
            ms
        }));
    }
    let mut latencies_ms = Vec::with_capacity(executions);
    for t in tasks {
        latencies_ms.push(t.await.unwrap());
    }
    Figures {
        executions,
        elapsed: started.elapsed(),
        latencies_ms,
        cpu_seconds: None,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("7-step execution (five steps and a parallel of two), Skip time, {} cores", std::thread::available_parallelism().map_or(0, |n| n.get()));
        let sequential = bench_durable_local(500, 1, false).await;
        sequential.print("durable-local in-process, 1 at a time");
        if std::env::var_os("BENCH_SEQUENTIAL_ONLY").is_some() {
            // For profiling one row (perf, strace): skip the others.
            return;
        }
        let ours = bench_durable_local(4000, 32, false).await;
        ours.print("durable-local in-process, 32 in flight");
        if std::env::var_os("BENCH_DURABLE_LOCAL_ONLY").is_some() {
            // For profiling durable-local alone: no emulator rows.
            return;
        }
        let batched = bench_durable_local(4000, 32, true).await;
        batched.print("  same, SDK checkpoint_batching on");
        let dex_sequential = bench_dex(20, 1).await;
        dex_sequential.print("dex-local-runner, 1 at a time");
        let dex_four = bench_dex(100, 4).await;
        dex_four.print("dex-local-runner, 4 in flight");
        let theirs = bench_dex(100, 8).await;
        theirs.print("dex-local-runner, 8 in flight");
        let ours_best = ours.per_second().max(batched.per_second());
        let theirs_best = dex_sequential
            .per_second()
            .max(dex_four.per_second())
            .max(theirs.per_second());
        println!(
            "ratio (executions/s, durable-local / dex-local-runner): {:.1}x in flight (32 vs 8), {:.1}x one at a time, {:.1}x best vs best",
            ours.per_second() / theirs.per_second(),
            sequential.per_second() / dex_sequential.per_second(),
            ours_best / theirs_best
        );
    });
}
