//! `serve` on the embedded backend: everything on one address, until Ctrl-C or SIGTERM; then in-flight work is
//! drained and it exits 0.

use std::time::Duration;

use anyhow::Context;
use loyalty_local::data_dir_lock::DataDirLock;
use loyalty_local::embedded::topology::{
    NOTIFICATION_ACKNOWLEDGER, ORDER_COMPLETED, TIER_UPGRADE_TRIGGER, USER_CREATED,
};
use loyalty_local::secret::resolve_secret;
use loyalty_local::service::DATABASE_FILE;
use loyalty_local::tier_workflow::DURABLE_DATABASE_FILE;
use loyalty_local::{EmbeddedService, ServiceConfig};
use loyalty_service::http::JwtSecret;
use loyalty_service::tier_workflow::config::ENDPOINT_SETTINGS;
use loyalty_service::tier_workflow::config::{ORCHESTRATOR_FUNCTION, ServiceEndpoints};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cli::ServeArgs;
use crate::serve_common::{
    Ingress, checkpoint_durable_local, open_durable_local, serve_until_stopped, tier_endpoints,
};

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

/// Runs the service on the embedded backend until a shutdown signal.
pub async fn serve_embedded(args: ServeArgs) -> anyhow::Result<()> {
    let ingress = Ingress::from_args(&args)?;
    let data_dir = args.data_dir.data_dir.clone();
    let _lock = DataDirLock::acquire(&data_dir)?;
    let (secret, origin) = resolve_secret(args.jwt_secret.as_deref(), &data_dir)
        .context("cannot read or create the JWT secret")?;
    let tier = &args.tier_workflow;
    let endpoints = tier_endpoints(tier)?;
    let jwt_secret =
        JwtSecret::new(&secret).with_max_lifetime(Duration::from_secs(args.max_token_lifetime));
    let mut config = ServiceConfig::new(&data_dir, &args.env, jwt_secret);
    config.tier_workflow = endpoints.is_some();
    config.accept_data_loss = args.accept_data_loss;
    let service = EmbeddedService::open(config)
        .with_context(|| format!("cannot open the data in {}", data_dir.display()))?;
    if let Some(moved) = service.db.moved_aside() {
        eprintln!("{moved}");
    }
    // Both stores are checked before anything is announced.
    let local = match &endpoints {
        Some(_) => Some(open_durable_local(&args)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    ingress.announce(address);
    print_components(
        &service,
        &origin.describe(),
        &address.to_string(),
        endpoints.as_ref(),
    );

    let (stop, tasks) = (CancellationToken::new(), TaskTracker::new());
    service.start_workers(&tasks, &stop);
    if let (Some(endpoints), Some(local)) = (&endpoints, &local) {
        service
            .start_tier_workflow(local, endpoints, &tasks, &stop)
            .context("cannot register the tier workflow on durable-local")?;
    }
    serve_until_stopped(listener, service.router(), &ingress, stop, tasks, || {
        // A clean stop: each database file alone holds its data, its write-ahead log is empty.
        let embedded = service
            .checkpoint()
            .with_context(|| format!("cannot checkpoint {}", service.db.path().display()));
        let durable = checkpoint_durable_local(local.as_ref());
        embedded.and(durable)
    })
    .await
}
