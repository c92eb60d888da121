//! `serve --backend aws`: the API and PutEvents on one address, the state on the AWS endpoint of
//! `AWS_ENDPOINT_URL` (moto server locally), local pollers for the credit queues and the table's stream.

use anyhow::Context;
use lambdas::adapters::aws::load_sdk_config;
use lambdas::adapters::http::JwtSecret;
use lambdas::local::aws_backend::stream_poller::CHECKPOINT_FILE;
use lambdas::local::aws_backend::{AwsBackend, AwsBackendConfig};
use lambdas::local::data_dir_lock::DataDirLock;
use lambdas::local::secret::resolve_secret;
use tokio::sync::watch;

use crate::cli::ServeArgs;
use crate::serve::{DRAIN_TIMEOUT, futures_join_all, shutdown_signal};

fn print_components(
    backend: &AwsBackend,
    endpoint: &str,
    table: &str,
    secret_line: &str,
    address: &str,
) {
    let topology = backend.topology();
    println!("environment: {} (set ENV to change)", topology.env);
    println!("backend: aws at {endpoint}");
    println!("table: {table} (stream {})", backend.stream_arn());
    println!("jwt secret: {secret_line}");
    println!("api: GET and POST http://{address}/loyalty");
    println!(
        "eventbridge: PutEvents at POST http://{address}/ forwarded to bus {} at {endpoint}",
        topology.bus_name
    );
    for rule in &topology.rules {
        println!(
            "rule {}: source {} detail-type {} -> queue {} (DLQ {}), local poller",
            rule.name,
            rule.source,
            rule.detail_types.join("|"),
            rule.queue,
            rule.dead_letter_queue
        );
    }
    println!(
        "change stream: DynamoDB Streams -> loyalty.pointsAdded.v1+v2 / loyalty.pointsSpent.v1 on {} (failures -> {})",
        topology.bus_name, topology.stream_failure_queue
    );
    println!("tier workflow: off (not available with --backend aws)");
}

/// Runs the service on the AWS adapters until a shutdown signal.
pub async fn serve_aws(args: ServeArgs) -> anyhow::Result<()> {
    let tier = &args.tier_workflow;
    if tier.product_service_endpoint.is_some()
        || tier.product_search_endpoint.is_some()
        || tier.order_service_endpoint.is_some()
    {
        anyhow::bail!(
            "the tier workflow does not run with --backend aws yet; unset its endpoint settings"
        );
    }
    let data_dir = args.data_dir.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let _lock = DataDirLock::acquire(&data_dir)?;
    let (secret, origin) = resolve_secret(args.jwt_secret.as_deref(), &data_dir)
        .context("cannot read or create the JWT secret")?;
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "the default AWS endpoints".into());
    let table_name = args
        .table_name
        .clone()
        .unwrap_or_else(|| format!("LoyaltyService-Points-{}", args.env));
    let sdk = load_sdk_config().await;
    let config = AwsBackendConfig {
        env: args.env.clone(),
        table_name: table_name.clone(),
        data_dir: data_dir.clone(),
        jwt_secret: JwtSecret::new(&secret),
    };
    let backend = AwsBackend::open(sdk, config)
        .await
        .with_context(|| format!("cannot set up the service at {endpoint}"))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    print_components(
        &backend,
        &endpoint,
        &table_name,
        &origin.describe(),
        &address.to_string(),
    );
    println!(
        "stream checkpoints: {}",
        data_dir.join(CHECKPOINT_FILE).display()
    );
    println!("listening on http://{address}");

    let (stop, stopped) = watch::channel(false);
    let workers = backend.start_workers(&stopped)?;
    let served = axum::serve(listener, backend.router())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    println!("shutting down: draining in-flight work");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, futures_join_all(workers)).await;
    served.context("the HTTP server failed")?;
    if drained.is_err() {
        anyhow::bail!("workers did not stop within {DRAIN_TIMEOUT:?}");
    }
    println!("stopped cleanly");
    Ok(())
}
