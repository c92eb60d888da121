//! `serve --backend aws`: the API and PutEvents on one address, the state on the AWS endpoint of
//! `AWS_ENDPOINT_URL` (moto server locally), local pollers for the credit queues and the table's stream.

use std::time::Duration;

use anyhow::Context;
use loyalty_lambdas::aws::{ParameterStore, load_sdk_config};
use loyalty_local::aws_backend::stream_poller::CHECKPOINT_FILE;
use loyalty_local::aws_backend::{AwsBackend, AwsBackendConfig, ssm_contract};
use loyalty_local::data_dir_lock::DataDirLock;
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
    backend: &AwsBackend,
    endpoint: &str,
    table: &str,
    secret_line: &str,
    address: &str,
    tier_workflow: Option<&ServiceEndpoints>,
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
    match tier_workflow {
        None => println!(
            "tier workflow: off (its TierUpgradeTrigger and NotificationAcknowledger rules are not installed); set {} \
             to enable it",
            ENDPOINT_SETTINGS.join(", ")
        ),
        Some(endpoints) => println!(
            "tier workflow: {ORCHESTRATOR_FUNCTION} on durable-local, tier items in {table}; product service {}, \
             product search {}, order service {}",
            endpoints.product_service, endpoints.product_search, endpoints.order_service
        ),
    }
}

/// Runs the service on the AWS adapters until a shutdown signal.
pub async fn serve_aws(args: ServeArgs) -> anyhow::Result<()> {
    let ingress = Ingress::from_args(&args)?;
    let tier = &args.tier_workflow;
    let endpoints = tier_endpoints(tier)?;
    let data_dir = args.data_dir.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let _lock = DataDirLock::acquire(&data_dir)?;
    // durable-local's database is the only one in the data directory on this backend: checked first.
    let local = match &endpoints {
        Some(_) => Some(open_durable_local(&args)?),
        None => None,
    };
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "the default AWS endpoints".into());
    let table_name = args
        .table_name
        .clone()
        .unwrap_or_else(|| format!("LoyaltyService-Points-{}", args.env));
    let sdk = load_sdk_config().await;
    // The secret is where the Lambda functions read it (SSM); clients find everything else there too.
    let parameters = ParameterStore::new(aws_sdk_ssm::Client::new(&sdk));
    let (secret, origin) =
        ssm_contract::resolve_secret(&parameters, &args.env, args.jwt_secret.as_deref())
            .await
            .with_context(|| format!("cannot read or create the JWT secret at {endpoint}"))?;
    let config = AwsBackendConfig {
        env: args.env.clone(),
        table_name: table_name.clone(),
        data_dir: data_dir.clone(),
        jwt_secret: JwtSecret::new(&secret)
            .with_max_lifetime(Duration::from_secs(args.max_token_lifetime)),
        tier_workflow: endpoints.is_some(),
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
    let written = ssm_contract::publish(
        &parameters,
        &args.env,
        &ssm_contract::Published {
            api_endpoint: format!("http://{address}"),
            table_name: table_name.clone(),
            bus_name: backend.topology().bus_name.clone(),
        },
    )
    .await
    .with_context(|| format!("cannot write the service's SSM parameters at {endpoint}"))?;
    ingress.announce(address);
    println!("ssm: wrote {}", written.join(", "));
    print_components(
        &backend,
        &endpoint,
        &table_name,
        &origin.describe(),
        &address.to_string(),
        endpoints.as_ref(),
    );
    println!(
        "stream checkpoints: {}",
        data_dir.join(CHECKPOINT_FILE).display()
    );
    println!("listening on http://{address}");

    let (stop, tasks) = (CancellationToken::new(), TaskTracker::new());
    backend.start_workers(&tasks, &stop)?;
    if let (Some(endpoints), Some(local)) = (&endpoints, &local) {
        backend
            .start_tier_workflow(local, endpoints, &tasks, &stop)
            .context("cannot register the tier workflow on durable-local")?;
    }
    serve_until_stopped(listener, backend.router(), &ingress, stop, tasks, || {
        checkpoint_durable_local(local.as_ref())
    })
    .await
}
