//! Load benchmark of the embedded service, release build, over loopback keep-alive connections.
//!
//! Build the server first, then run the benchmark (both in release):
//!
//! ```text
//! cargo build --release -p loyalty-local --bin loyalty-local
//! cargo bench -p loyalty-tests --bench loyalty_load
//! ```
//!
//! Knobs (environment): `BENCH_SECONDS` (GET phase, default 10), `BENCH_CONNECTIONS` (default 32),
//! `BENCH_USERS` (default 1000), `BENCH_ORDERS` (credits phase, default 20000).
//! It prints GET /loyalty throughput with p50/p99, spends per second, and order credits per second end to end
//! (PutEvents in -> balance updated -> pointsAdded published), each against its target.
//!
//! The measured loops use the lean HTTP/1.1 client of `lean_http.rs`, not the tests' `reqwest` client: on a 2-core
//! machine the generator shares the CPU with the server, and `reqwest` costs about twice the generator CPU per
//! request (see the README). Setting up (seeding accounts, reading balances before a phase) goes through
//! `LoyaltyApi` like the tests.

mod lean_http;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use loyalty_tests::api::EVENT_DEADLINE;
use loyalty_tests::cli::{ArchivedEvent, bus_archive, epoch_millis_of};
use loyalty_tests::events::put_events_body;
use loyalty_tests::{BinaryProfile, LoyaltyApi, PutEntry, RunningService, ServiceOptions};
use tokio::sync::Mutex;

use crate::lean_http::{HttpConnection, HttpRequest};

const GET_TARGET_RPS: f64 = 20_000.0;
const GET_TARGET_P99_MS: f64 = 5.0;
const CREDITS_TARGET_PER_SECOND: f64 = 2_000.0;

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .with_context(|| format!("{name}={value} is not a number")),
        Err(_) => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; there is nothing to filter here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&mut self, percentile: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let rank = ((percentile / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        f64::from(self.latencies_us[rank]) / 1000.0
    }
}

async fn run() -> anyhow::Result<()> {
    let seconds = setting("BENCH_SECONDS", 10)?;
    let connections = setting("BENCH_CONNECTIONS", 32)?;
    let user_count = setting("BENCH_USERS", 1000)?;
    let orders = setting("BENCH_ORDERS", 20_000)?;
    let options = ServiceOptions {
        profile: BinaryProfile::Release,
        ..ServiceOptions::default()
    };
    let service =
        RunningService::start_with(options, tempfile::TempDir::with_prefix("loyalty-bench-")?)
            .await?;
    let api = LoyaltyApi::new(service.addr())?;
    println!(
        "loyalty-local (release) at {}, data in {}",
        service.endpoint(),
        service.data_dir().display()
    );

    let users: Vec<String> = (0..user_count)
        .map(|n| format!("bench-user-{n:05}"))
        .collect();
    let tokens: Arc<Vec<String>> =
        Arc::new(users.iter().map(|user| service.token_for(user)).collect());
    for chunk in users.chunks(10) {
        api.publish(
            &chunk
                .iter()
                .map(|user| PutEntry::user_created(user))
                .collect::<Vec<_>>(),
        )
        .await?;
    }
    for token in tokens.iter() {
        service.with_logs(api.wait_for_balance(token, 100, EVENT_DEADLINE).await)?;
    }
    println!("seeded {user_count} accounts with 100 points");

    let mut get = get_phase(
        &service,
        &tokens,
        connections,
        Duration::from_secs(seconds as u64),
    )
    .await?;
    let (get_rps, get_p50, get_p99) = (
        get.per_second(),
        get.percentile_ms(50.0),
        get.percentile_ms(99.0),
    );
    println!(
        "GET /loyalty: {connections} connections, {:.1} s, {} requests, {} errors: {get_rps:.0} req/s, p50 {get_p50:.2} ms, p99 {get_p99:.2} ms \
         (target >= {GET_TARGET_RPS:.0} req/s and p99 < {GET_TARGET_P99_MS} ms: {})",
        get.elapsed.as_secs_f64(),
        get.requests,
        get.errors,
        verdict(get_rps >= GET_TARGET_RPS && get_p99 < GET_TARGET_P99_MS && get.errors == 0),
    );

    let credits = credit_phase(&service, &users, orders).await?;
    let credits_per_second = orders as f64 / credits.published.as_secs_f64();
    println!(
        "order credits end to end: {orders} orders over {user_count} accounts (PutEvents, 10 per call, 8 connections): \
         accepted after {:.2} s ({:.0} events/s in), every balance updated after {:.2} s, every pointsAdded published \
         after {:.2} s (one archive read: {:.2} s): {credits_per_second:.0} credits/s (target >= {CREDITS_TARGET_PER_SECOND:.0}: {})",
        credits.accepted.as_secs_f64(),
        orders as f64 / credits.accepted.as_secs_f64(),
        credits.balances_updated.as_secs_f64(),
        credits.published.as_secs_f64(),
        credits.archive_read.as_secs_f64(),
        verdict(credits_per_second >= CREDITS_TARGET_PER_SECOND),
    );
    let mut spend = spend_phase(&service, &tokens, connections, Duration::from_secs(5)).await?;
    let (spend_p50, spend_p99) = (spend.percentile_ms(50.0), spend.percentile_ms(99.0));
    println!(
        "POST /loyalty (spend 1 point, one user per request in flight): {connections} connections, {:.1} s, {} spends, {} errors: \
         {:.0} spends/s, p50 {spend_p50:.2} ms, p99 {spend_p99:.2} ms",
        spend.elapsed.as_secs_f64(),
        spend.requests,
        spend.errors,
        spend.per_second(),
    );

    let (status, _) = service.terminate().await?;
    println!("server stopped: {status}");
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

async fn get_phase(
    service: &RunningService,
    tokens: &Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let requests: Vec<HttpRequest> = tokens
        .iter()
        .map(|token| {
            HttpRequest::new("GET", "/loyalty").header("Authorization", &format!("Bearer {token}"))
        })
        .collect();
    let requests = Arc::new(requests);
    // One second of warm-up, not counted.
    load(
        service,
        connections,
        Duration::from_secs(1),
        {
            let requests = Arc::clone(&requests);
            move |n| requests[n % requests.len()].clone()
        },
        200,
    )
    .await?;
    load(
        service,
        connections,
        duration,
        move |n| requests[n % requests.len()].clone(),
        200,
    )
    .await
}

async fn spend_phase(
    service: &RunningService,
    tokens: &Arc<Vec<String>>,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Figures> {
    // Each connection spends from its own users, so no two requests in flight touch one account.
    let per_connection = tokens.len() / connections;
    anyhow::ensure!(per_connection > 0, "need at least one user per connection");
    let requests: Vec<HttpRequest> = tokens
        .iter()
        .map(|token| {
            HttpRequest::new("POST", "/loyalty")
                .header("Authorization", &format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .body(r#"{"points":1}"#)
        })
        .collect();
    let requests = Arc::new(requests);
    load_partitioned(
        service,
        connections,
        duration,
        move |connection, n| requests[connection * per_connection + n % per_connection].clone(),
        201,
    )
    .await
}

async fn load(
    service: &RunningService,
    connections: usize,
    duration: Duration,
    request: impl Fn(usize) -> HttpRequest + Send + Sync + Clone + 'static,
    expected_status: u16,
) -> anyhow::Result<Figures> {
    load_partitioned(
        service,
        connections,
        duration,
        move |connection, n| request(connection * 7919 + n),
        expected_status,
    )
    .await
}

async fn load_partitioned(
    service: &RunningService,
    connections: usize,
    duration: Duration,
    request: impl Fn(usize, usize) -> HttpRequest + Send + Sync + Clone + 'static,
    expected_status: u16,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for connection in 0..connections {
        let mut client = HttpConnection::connect(service.addr()).await?;
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(100_000);
            let mut errors = 0usize;
            let mut n = 0usize;
            while Instant::now() < deadline {
                let next = request(connection, n);
                n += 1;
                let sent = Instant::now();
                let response = client.send(&next).await?;
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                if response.status != expected_status {
                    errors += 1;
                }
            }
            anyhow::Ok((latencies, errors))
        }));
    }
    let mut figures = Figures {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for worker in workers {
        let (latencies, errors) = worker.await??;
        figures.requests += latencies.len();
        figures.errors += errors;
        figures.latencies_us.extend(latencies);
    }
    figures.elapsed = started.elapsed();
    Ok(figures)
}

struct CreditFigures {
    accepted: Duration,
    balances_updated: Duration,
    published: Duration,
    /// How long one read of the archive (`events --json`, a separate process) took: the resolution of `published`.
    archive_read: Duration,
}

async fn credit_phase(
    service: &RunningService,
    users: &[String],
    orders: usize,
) -> anyhow::Result<CreditFigures> {
    let count_added = |events: &[ArchivedEvent]| {
        events
            .iter()
            .filter(|event| is_points_added_v2(event))
            .count()
    };
    let baseline = count_added(&bus_archive(service.binary(), service.data_dir()).await?);
    let api = LoyaltyApi::new(service.addr())?;
    let balances_before = balances(&api, service, users).await?;

    let bodies: Vec<String> = (0..orders)
        .collect::<Vec<_>>()
        .chunks(10)
        .map(|chunk| {
            let entries: Vec<PutEntry> = chunk
                .iter()
                .map(|n| {
                    PutEntry::order_completed_v2(
                        &users[n % users.len()],
                        &format!("bench-order-{n:07}"),
                    )
                })
                .collect();
            put_events_body(&entries)
        })
        .collect();
    let bodies = Arc::new(Mutex::new(bodies.into_iter()));
    let started = Instant::now();
    let started_wall = epoch_millis_now();
    let mut senders = Vec::new();
    for _ in 0..8 {
        let bodies = Arc::clone(&bodies);
        let mut client = HttpConnection::connect(service.addr()).await?;
        senders.push(tokio::spawn(async move {
            loop {
                let Some(body) = bodies.lock().await.next() else {
                    return anyhow::Ok(());
                };
                let request = HttpRequest::new("POST", "/")
                    .header("X-Amz-Target", "AWSEvents.PutEvents")
                    .header("Content-Type", "application/x-amz-json-1.1")
                    .body(body);
                let response = client.send(&request).await?;
                if response.status != 200
                    || response.json()?["FailedEntryCount"] != serde_json::json!(0)
                {
                    bail!("PutEvents failed: {} {}", response.status, response.text());
                }
            }
        }));
    }
    for sender in senders {
        sender.await??;
    }
    let accepted = started.elapsed();
    // Balances first, over one keep-alive connection (cheap for the server); the archive is read by a separate
    // process, so it is polled only once the balances are complete, to disturb the measurement as little as possible.
    let expected_total: i64 = balances_before.iter().sum::<i64>() + 50 * orders as i64;
    let mut reader = HttpConnection::connect(service.addr()).await?;
    let requests: Vec<HttpRequest> = users
        .iter()
        .map(|user| {
            HttpRequest::new("GET", "/loyalty").header(
                "Authorization",
                &format!("Bearer {}", service.token_for(user)),
            )
        })
        .collect();
    let balances_updated = loop {
        let mut total = 0;
        for request in &requests {
            let response = reader.send(request).await?;
            total += response.json()?["data"]["currentPoints"]
                .as_i64()
                .unwrap_or(0);
        }
        if total == expected_total {
            break started.elapsed();
        }
        anyhow::ensure!(
            total < expected_total,
            "balances overshot: {total} > {expected_total}"
        );
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "balances stuck at {total} of {expected_total}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The archive is read by a separate process (costly on 2 cores), so it is polled slowly; the completion time
    // comes from the archive's own timestamps, not from when the poll noticed it.
    let (published, archive_read) = loop {
        let read_started = Instant::now();
        let archive = bus_archive(service.binary(), service.data_dir()).await?;
        let archive_read = read_started.elapsed();
        let added: Vec<&ArchivedEvent> = archive
            .iter()
            .filter(|event| is_points_added_v2(event))
            .skip(baseline)
            .collect();
        if added.len() >= orders {
            let last = added
                .iter()
                .filter_map(|event| epoch_millis_of(&event.time))
                .max()
                .with_context(|| "no parsable archive time")?;
            let published = Duration::from_millis(u64::try_from(last - started_wall).unwrap_or(0));
            break (published, archive_read);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {} of {orders} pointsAdded published",
            added.len()
        );
        // Reading the archive costs CPU the server needs: keep the reader below a quarter of one core.
        tokio::time::sleep((archive_read * 3).max(Duration::from_secs(2))).await;
    };
    Ok(CreditFigures {
        accepted,
        balances_updated,
        published,
        archive_read,
    })
}

fn is_points_added_v2(event: &ArchivedEvent) -> bool {
    event.detail_type == "loyalty.pointsAdded.v2" && event.source == "dev.loyalty"
}

fn epoch_millis_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

async fn balances(
    api: &LoyaltyApi,
    service: &RunningService,
    users: &[String],
) -> anyhow::Result<Vec<i64>> {
    let mut balances = Vec::with_capacity(users.len());
    for user in users {
        balances.push(api.balance(&service.token_for(user)).await?.unwrap_or(0));
    }
    Ok(balances)
}
