//! `durable-local serve`: the durable-execution service on a loopback port, over a SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use local_guard::http::LimitArgs;

/// How long a stopping server waits for the requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "durable-local",
    about = "A restart-durable local AWS Lambda durable-execution service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and the sample workflows with --demo) on a loopback address.
    Serve {
        /// Address to listen on (loopback).
        #[arg(long, default_value = "127.0.0.1:9014")]
        listen: SocketAddr,
        /// SQLite database file.
        #[arg(long, default_value = "durable-local.db")]
        db: PathBuf,
        /// Multiply every wait, retry delay and callback timeout by this factor.
        #[arg(long, conflicts_with = "skip_time")]
        time_scale: Option<f64>,
        /// Make every wait, retry delay and callback timeout due at once.
        #[arg(long)]
        skip_time: bool,
        /// Register the sample workflows (seven-steps, crash-wait, crash-callback, crash-retry).
        #[arg(long)]
        demo: bool,
        /// File where the sample workflows' step bodies record each run.
        #[arg(long)]
        side_effects: Option<PathBuf>,
        /// Connection limits of the HTTP listener.
        #[command(flatten)]
        limits: LimitArgs,
        /// Start even if the database is damaged: move it aside (to <db>.damaged-<UTC time>, with its -wal and
        /// -shm; never deleted) and start with an empty store. Without damage it changes nothing.
        #[arg(long)]
        accept_data_loss: bool,
    },
}

/// Resolves on Ctrl-C (SIGINT). The handler is installed by this call, not on the first poll: a
/// Ctrl-C right after the address is announced still stops the server cleanly.
fn interrupted() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?;
        Ok(async move {
            interrupt.recv().await;
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        listen,
        db,
        time_scale,
        skip_time,
        demo,
        side_effects,
        limits,
        accept_data_loss,
    } = Cli::parse().command;
    if !listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {listen}: durable-local only binds loopback addresses"
        );
    }
    let time = match (skip_time, time_scale) {
        (true, _) => TimeControl::Skip,
        (false, Some(f)) => TimeControl::Scaled(f),
        (false, None) => TimeControl::Real,
    };
    let options = DurableLocalOptions {
        time,
        accept_data_loss,
        ..DurableLocalOptions::default()
    };
    let local = DurableLocal::open(&db, options)
        .with_context(|| format!("cannot open {}", db.display()))?;
    if let Some(moved) = local.moved_aside() {
        eprintln!("{moved}");
    }
    let server = local
        .serve_http_with(listen, limits.limits())
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let stop = interrupted()?;
    if demo {
        durable_local::demo::register(&local, durable_local::demo::SideEffects::new(side_effects))?;
    }
    println!(
        "durable-local listening on {} (db {})",
        server.endpoint_url(),
        db.display()
    );
    stop.await;
    // Requests in flight get a moment to be answered. Nothing more is at stake: every change
    // is committed before it is acknowledged, and running executions resume on the next start.
    server.shutdown();
    if tokio::time::timeout(DRAIN_TIMEOUT, server.stopped())
        .await
        .is_err()
    {
        eprintln!(
            "requests still in flight after {DRAIN_TIMEOUT:?}: stopping without answering them"
        );
    }
    // A clean stop leaves the data in the database file and an empty write-ahead log.
    local
        .shutdown()
        .with_context(|| format!("cannot checkpoint {}", db.display()))?;
    Ok(())
}
