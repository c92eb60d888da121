//! What both backends of `serve` share: the tier workflow settings, durable-local, serving until a signal and
//! draining the workers.

use std::time::Duration;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use local_guard::http::Limits;
use loyalty_local::bus::sigv4::{Credentials, require_signatures};
use loyalty_local::tier_workflow::DURABLE_DATABASE_FILE;
use loyalty_service::tier_workflow::config::{ServiceEndpoints, endpoints_from_settings};
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cli::{ServeArgs, TierWorkflowArgs};

pub(crate) const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Listens for Ctrl-C and SIGTERM from now on, and returns what resolves on the first of them. The handlers are
/// installed before this returns: a signal that arrives while the server starts stops it cleanly instead of
/// killing the process (which a handler installed by a task not yet polled would allow).
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                (Ok(mut interrupt), Err(error)) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                    interrupt.recv().await;
                }
                (Err(error), Ok(mut terminate)) => {
                    tracing::warn!(%error, "cannot listen for Ctrl-C; only SIGTERM stops the server");
                    terminate.recv().await;
                }
                (Err(error), Err(_)) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM or SIGINT; trying Ctrl-C once more");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
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

/// How the listener lets clients in: its connection limits and the key pair PutEvents calls must be signed with.
pub(crate) struct Ingress {
    pub(crate) limits: Limits,
    pub(crate) put_events_key: Option<Credentials>,
}

impl Ingress {
    /// The ingress `args` configure.
    pub(crate) fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        Ok(Self {
            limits: args.limits.limits(),
            put_events_key: args.put_events.credentials()?,
        })
    }

    /// The start-up line about PutEvents, and a warning when anyone who reaches a non-loopback address could publish
    /// events that credit points.
    pub(crate) fn describe(&self, address: SocketAddr) -> (String, Option<String>) {
        let line = match &self.put_events_key {
            Some(key) => format!(
                "putevents: SigV4 signatures with access key id {} required",
                key.access_key_id()
            ),
            None => "putevents: unsigned calls accepted (set PUT_EVENTS_ACCESS_KEY_ID and \
                     PUT_EVENTS_SECRET_ACCESS_KEY to require signatures)"
                .to_owned(),
        };
        let warning = (self.put_events_key.is_none() && !address.ip().is_loopback()).then(|| {
            format!(
                "warning: listening on {address}, which is not a loopback address, with PutEvents unlocked: anyone \
                 who can reach it can publish events that credit points. Require signed calls with \
                 --put-events-access-key-id and --put-events-secret-access-key (or PUT_EVENTS_ACCESS_KEY_ID and \
                 PUT_EVENTS_SECRET_ACCESS_KEY), or listen on 127.0.0.1."
            )
        });
        (line, warning)
    }

    /// Prints [`Ingress::describe`]: the line on stdout, the warning on stderr.
    pub(crate) fn announce(&self, address: SocketAddr) {
        let (line, warning) = self.describe(address);
        println!("{line}");
        if let Some(warning) = warning {
            eprintln!("{warning}");
        }
    }
}

/// The largest request body the listener reads (2 MiB, axum's default made explicit): far above a valid spend or
/// PutEvents request (whose entries may total 256 KiB); a larger body is answered 413 unread.
pub(crate) const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The clean stop of durable-local, if it runs: its write-ahead log goes into its database file.
pub(crate) fn checkpoint_durable_local(local: Option<&DurableLocal>) -> anyhow::Result<()> {
    match local {
        Some(local) => local
            .shutdown()
            .context("cannot checkpoint durable-local's database"),
        None => Ok(()),
    }
}

/// Serves `router` on `listener` within the `ingress` limits until Ctrl-C or SIGTERM, then cancels `stop`, waits for
/// the workers `tasks` tracks to finish their work in progress and runs `checkpoint` (the stores' clean stop).
pub(crate) async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    ingress: &Ingress,
    stop: CancellationToken,
    tasks: TaskTracker,
    checkpoint: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let router = match &ingress.put_events_key {
        Some(credentials) => require_signatures(router, credentials.clone()),
        None => router,
    };
    // Ctrl-C or SIGTERM stops the listener: it stops accepting, answers the requests in flight and closes its
    // connections; then the workers are drained.
    let stop_serving = CancellationToken::new();
    let stopped_by_signal = shutdown_signal();
    let signal = tokio::spawn({
        let stop_serving = stop_serving.clone();
        async move {
            stopped_by_signal.await;
            stop_serving.cancel();
        }
    });
    let router = router.layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let served = local_guard::http::serve(listener, router, ingress.limits, stop_serving).await;
    signal.abort();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ingress(key: bool) -> Ingress {
        Ingress {
            limits: Limits::default(),
            put_events_key: key.then(|| Credentials::new("AKID", "secret").unwrap()),
        }
    }

    #[test]
    fn an_unlocked_put_events_on_a_non_loopback_address_is_warned_about() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let v6_loopback: SocketAddr = "[::1]:8080".parse().unwrap();

        let (_, open_public) = ingress(false).describe(public);
        let (locked_line, locked_public) = ingress(true).describe(public);

        assert!(
            open_public
                .unwrap()
                .contains("0.0.0.0:8080, which is not a loopback address")
        );
        assert!(locked_public.is_none());
        assert!(locked_line.contains("AKID required"), "{locked_line}");
        assert!(ingress(false).describe(loopback).1.is_none());
        assert!(ingress(false).describe(v6_loopback).1.is_none());
    }
}
