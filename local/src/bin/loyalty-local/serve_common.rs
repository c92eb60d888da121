//! What both backends of `serve` share: the tier workflow settings, durable-local, serving until a signal and
//! draining the workers.

use std::time::Duration;

use anyhow::Context;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use loyalty_local::tier_workflow::DURABLE_DATABASE_FILE;
use loyalty_service::tier_workflow::config::{ServiceEndpoints, endpoints_from_settings};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cli::{ServeArgs, TierWorkflowArgs};

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

/// durable-local on `<data-dir>/durable.sqlite3`, its waits and timeouts scaled by `--tier-time-scale` (1.0: real
/// time); a damaged database is refused, or moved aside with `--accept-data-loss` (printed on stderr).
pub(crate) fn open_durable_local(args: &ServeArgs) -> anyhow::Result<DurableLocal> {
    let time_scale = args.tier_workflow.tier_time_scale;
    let time = if time_scale == 1.0 {
        TimeControl::Real
    } else {
        TimeControl::Scaled(time_scale)
    };
    let durable_path = args.data_dir.data_dir.join(DURABLE_DATABASE_FILE);
    let local = DurableLocal::open(
        &durable_path,
        DurableLocalOptions {
            time,
            accept_data_loss: args.accept_data_loss,
            ..DurableLocalOptions::default()
        },
    )
    .with_context(|| format!("cannot open {}", durable_path.display()))?;
    if let Some(moved) = local.moved_aside() {
        eprintln!("{moved}");
    }
    Ok(local)
}

/// The clean stop of durable-local, if it runs: its write-ahead log goes into its database file.
pub(crate) fn checkpoint_durable_local(local: Option<&DurableLocal>) -> anyhow::Result<()> {
    match local {
        Some(local) => local
            .shutdown()
            .context("cannot checkpoint durable-local's database"),
        None => Ok(()),
    }
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then cancels `stop`, waits for the workers `tasks`
/// tracks to finish their work in progress and runs `checkpoint` (the stores' clean stop).
pub(crate) async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: CancellationToken,
    tasks: TaskTracker,
    checkpoint: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    println!("shutting down: draining in-flight work");
    stop.cancel();
    tasks.close();
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, tasks.wait()).await;
    let checkpointed = checkpoint();
    served.context("the HTTP server failed")?;
    if drained.is_err() {
        anyhow::bail!(
            "workers did not stop within {DRAIN_TIMEOUT:?}; pending work stays queued for the next start"
        );
    }
    checkpointed?;
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
