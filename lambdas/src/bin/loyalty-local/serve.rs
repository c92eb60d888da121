//! `serve`: everything on one address, until Ctrl-C or SIGTERM; then in-flight work is drained and it exits 0.

use std::time::Duration;

use anyhow::Context;
use lambdas::adapters::embedded::topology::{ORDER_COMPLETED, USER_CREATED};
use lambdas::adapters::http::JwtSecret;
use lambdas::local::data_dir_lock::DataDirLock;
use lambdas::local::secret::resolve_secret;
use lambdas::local::service::DATABASE_FILE;
use lambdas::local::{EmbeddedService, ServiceConfig};
use tokio::sync::watch;

use crate::cli::ServeArgs;

const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn print_components(service: &EmbeddedService, secret_line: &str, address: &str) {
    let topology = service.topology();
    let data_dir = &service.config().data_dir;
    println!("environment: {} (set ENV to change)", topology.env);
    println!(
        "data: {} (SQLite, WAL: {})",
        data_dir.display(),
        data_dir.join(DATABASE_FILE).display()
    );
    println!("jwt secret: {secret_line}");
    println!("api: GET and POST http://{address}/loyalty");
    println!(
        "eventbridge: PutEvents (X-Amz-Target: AWSEvents.PutEvents) at POST http://{address}/ for bus {}",
        topology.bus_name
    );
    for rule in &topology.rules {
        let consumer = if rule.queue == topology.queue(USER_CREATED) {
            "poller -> welcome bonus +100"
        } else if rule.queue == topology.queue(ORDER_COMPLETED) {
            "poller -> +50 per order id, once across v1/v2"
        } else {
            "no consumer yet (kept for the tier workflow)"
        };
        println!(
            "rule {}: source {} detail-type {} -> queue {} (DLQ {}), {consumer}",
            rule.name,
            rule.source,
            rule.detail_types.join("|"),
            rule.queue,
            rule.dead_letter_queue
        );
    }
    println!(
        "change stream: outbox -> loyalty.pointsAdded.v1+v2 / loyalty.pointsSpent.v1 on {} (failures -> {})",
        topology.bus_name, topology.stream_failure_queue
    );
    println!("listening on http://{address}");
}

/// Runs the service until a shutdown signal.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.data_dir.clone();
    let _lock = DataDirLock::acquire(&data_dir)?;
    let (secret, origin) = resolve_secret(args.jwt_secret.as_deref(), &data_dir)
        .context("cannot read or create the JWT secret")?;
    let config = ServiceConfig::new(&data_dir, &args.env, JwtSecret::new(&secret));
    let service = EmbeddedService::open(config)
        .with_context(|| format!("cannot open the data in {}", data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    print_components(&service, &origin.describe(), &address.to_string());

    let (stop, stopped) = watch::channel(false);
    let workers = service.start_workers(&stopped);
    let served = axum::serve(listener, service.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    println!("shutting down: draining in-flight work");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, futures_join_all(workers)).await;
    served.context("the HTTP server failed")?;
    if drained.is_err() {
        anyhow::bail!(
            "workers did not stop within {DRAIN_TIMEOUT:?}; pending work stays queued for the next start"
        );
    }
    println!("stopped cleanly");
    Ok(())
}

async fn futures_join_all(workers: Vec<tokio::task::JoinHandle<()>>) {
    for worker in workers {
        if let Err(error) = worker.await {
            tracing::error!(%error, "a worker ended abnormally");
        }
    }
}
