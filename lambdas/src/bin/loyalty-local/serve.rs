//! `serve`: everything on one address, until Ctrl-C or SIGTERM; then in-flight work is drained and it exits 0.

use std::time::Duration;

use anyhow::Context;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use lambdas::adapters::embedded::topology::{
    NOTIFICATION_ACKNOWLEDGER, ORDER_COMPLETED, TIER_UPGRADE_TRIGGER, USER_CREATED,
};
use lambdas::adapters::http::JwtSecret;
use lambdas::local::data_dir_lock::DataDirLock;
use lambdas::local::secret::resolve_secret;
use lambdas::local::service::DATABASE_FILE;
use lambdas::local::tier_workflow::DURABLE_DATABASE_FILE;
use lambdas::local::{EmbeddedService, ServiceConfig};
use lambdas::tier_workflow::config::{ENDPOINT_SETTINGS, endpoints_from_settings};
use lambdas::tier_workflow::embedded::{ORCHESTRATOR_FUNCTION, ServiceEndpoints};
use tokio::sync::watch;

use crate::cli::{Backend, ServeArgs, TierWorkflowArgs};

pub(crate) const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) async fn shutdown_signal() {
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

fn print_components(
    service: &EmbeddedService,
    secret_line: &str,
    address: &str,
    tier_workflow: Option<&ServiceEndpoints>,
) {
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
        } else if rule.queue == topology.queue(TIER_UPGRADE_TRIGGER) {
            "poller -> starts the tier upgrade workflow (one execution per user and target tier)"
        } else if rule.queue == topology.queue(NOTIFICATION_ACKNOWLEDGER) {
            "poller -> acknowledges the tier upgrade (completes its callback)"
        } else {
            "no consumer"
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
    match tier_workflow {
        None => println!(
            "tier workflow: off (its TierUpgradeTrigger and NotificationAcknowledger rules are not installed); set {} \
             (or --product-service-endpoint, --product-search-endpoint, --order-service-endpoint) to enable it",
            ENDPOINT_SETTINGS.join(", ")
        ),
        Some(endpoints) => println!(
            "tier workflow: {ORCHESTRATOR_FUNCTION} on durable-local ({}); product service {}, product search {}, \
             order service {}",
            data_dir.join(DURABLE_DATABASE_FILE).display(),
            endpoints.product_service,
            endpoints.product_search,
            endpoints.order_service
        ),
    }
    println!("listening on http://{address}");
}

/// Runs the service until a shutdown signal.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.backend == Backend::Aws {
        return crate::serve_aws::serve_aws(args).await;
    }
    let data_dir = args.data_dir.data_dir.clone();
    let _lock = DataDirLock::acquire(&data_dir)?;
    let (secret, origin) = resolve_secret(args.jwt_secret.as_deref(), &data_dir)
        .context("cannot read or create the JWT secret")?;
    let tier = &args.tier_workflow;
    let endpoints = tier_endpoints(tier)?;
    let mut config = ServiceConfig::new(&data_dir, &args.env, JwtSecret::new(&secret));
    config.tier_workflow = endpoints.is_some();
    let service = EmbeddedService::open(config)
        .with_context(|| format!("cannot open the data in {}", data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    print_components(
        &service,
        &origin.describe(),
        &address.to_string(),
        endpoints.as_ref(),
    );

    let (stop, stopped) = watch::channel(false);
    let mut workers = service.start_workers(&stopped);
    if let Some(endpoints) = &endpoints {
        let local = open_durable_local(&data_dir, tier.tier_time_scale)?;
        workers.extend(
            service
                .start_tier_workflow(&local, endpoints, &stopped)
                .context("cannot register the tier workflow on durable-local")?,
        );
    }
    serve_until_stopped(listener, service.router(), stop, workers).await
}

pub(crate) async fn futures_join_all(workers: Vec<tokio::task::JoinHandle<()>>) {
    for worker in workers {
        if let Err(error) = worker.await {
            tracing::error!(%error, "a worker ended abnormally");
        }
    }
}

/// durable-local on `<data-dir>/durable.db`, its waits and timeouts scaled by `time_scale` (1.0: real time).
pub(crate) fn open_durable_local(
    data_dir: &std::path::Path,
    time_scale: f64,
) -> anyhow::Result<DurableLocal> {
    let time = if time_scale == 1.0 {
        TimeControl::Real
    } else {
        TimeControl::Scaled(time_scale)
    };
    let durable_path = data_dir.join(DURABLE_DATABASE_FILE);
    DurableLocal::open(
        &durable_path,
        DurableLocalOptions {
            time,
            ..DurableLocalOptions::default()
        },
    )
    .with_context(|| format!("cannot open {}", durable_path.display()))
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then tells the workers to stop and waits for them.
pub(crate) async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<()> {
    let served = axum::serve(listener, router)
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

/// The tier workflow's service endpoints (`None`: the workflow is off), after checking `--tier-time-scale`.
pub(crate) fn tier_endpoints(tier: &TierWorkflowArgs) -> anyhow::Result<Option<ServiceEndpoints>> {
    let endpoints = endpoints_from_settings(
        tier.product_service_endpoint.as_deref(),
        tier.product_search_endpoint.as_deref(),
        tier.order_service_endpoint.as_deref(),
    )?;
    if !(tier.tier_time_scale.is_finite() && tier.tier_time_scale > 0.0) {
        anyhow::bail!(
            "--tier-time-scale must be a positive number, got {}",
            tier.tier_time_scale
        );
    }
    Ok(endpoints)
}
