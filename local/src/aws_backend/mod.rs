//! `loyalty-local serve --backend aws`: the same API and PutEvents endpoint, with the AWS adapters on the endpoint
//! of `AWS_ENDPOINT_URL` (moto server locally), and local pollers standing in for Lambda's event source mappings
//! (the two credit queues and the table's stream) calling the Lambda functions' handlers.

pub mod provision;
pub mod put_events_forwarder;
pub mod sqs_poller;
pub mod ssm_contract;
pub mod stream_poller;
pub mod tier_workflow;

use std::path::PathBuf;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use aws_config::SdkConfig;
use axum::Router;

use crate::aws_backend::put_events_forwarder::put_events_forwarder_routes;
use crate::embedded::Topology;
use crate::embedded::topology::{ORDER_COMPLETED, USER_CREATED};
use loyalty_lambdas::aws::DynamoAccountStore;
use loyalty_lambdas::aws::stream_reader::StreamReader;
use loyalty_lambdas::functions::credit_events::CreditFunction;
use loyalty_lambdas::functions::points_updated::PointsUpdatedFunction;
use loyalty_service::handlers::credit_events::CreditEventKind;
use loyalty_service::http::{ApiState, JwtSecret, api_routes, with_gateway_fallback};
use loyalty_service::ports::SystemClock;
use provision::{Provisioned, provision};
use sqs_poller::run_sqs_poller;
use stream_poller::{Checkpoints, FailureQueue, run_stream_poller};

/// Why the AWS backend could not start.
#[derive(Debug, thiserror::Error)]
pub enum AwsBackendError {
    /// Creating the table, bus, queues or rules failed.
    #[error("cannot provision the AWS resources: {0}")]
    Provision(#[from] provision::ProvisionError),
    /// The stream checkpoint file could not be read.
    #[error("cannot read the stream checkpoints: {0}")]
    Checkpoints(#[from] std::io::Error),
}

/// The settings of the AWS backend.
#[derive(Debug, Clone)]
pub struct AwsBackendConfig {
    /// The environment (bus, rule sources, queue names).
    pub env: String,
    /// The table (`TABLE_NAME`, default `LoyaltyService-Points-<ENV>`).
    pub table_name: String,
    /// Where the stream checkpoints live.
    pub data_dir: PathBuf,
    /// The token secret.
    pub jwt_secret: JwtSecret,
    /// Whether the tier workflow runs (its two rules and queues are installed only then).
    pub tier_workflow: bool,
}

/// The service on AWS adapters, provisioned.
#[derive(Debug)]
pub struct AwsBackend {
    sdk: SdkConfig,
    config: AwsBackendConfig,
    topology: Topology,
    provisioned: Provisioned,
}

impl AwsBackend {
    /// Provisions the resources (the tier workflow's two rules only when it runs).
    pub async fn open(sdk: SdkConfig, config: AwsBackendConfig) -> Result<Self, AwsBackendError> {
        let topology = if config.tier_workflow {
            Topology::for_env(&config.env)
        } else {
            Topology::for_env(&config.env).without_tier_workflow()
        };
        let provisioned = provision(&sdk, &topology, &config.table_name).await?;
        Ok(Self {
            sdk,
            config,
            topology,
            provisioned,
        })
    }

    /// The rules, queues and names in use.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The table's stream ARN.
    pub fn stream_arn(&self) -> &str {
        &self.provisioned.stream_arn
    }

    /// The API (`/loyalty`) on DynamoDB and `POST /` forwarding PutEvents to EventBridge.
    pub fn router(&self) -> Router {
        let store = DynamoAccountStore::new(
            aws_sdk_dynamodb::Client::new(&self.sdk),
            &self.config.table_name,
        );
        let api = api_routes(ApiState {
            store,
            clock: SystemClock,
            jwt_secret: self.config.jwt_secret.clone(),
        });
        let events = aws_sdk_eventbridge::Client::new(&self.sdk);
        with_gateway_fallback(
            api.merge(put_events_forwarder_routes(events, &self.topology.bus_name)),
        )
    }

    fn queue_url(&self, name: &str) -> String {
        self.provisioned
            .queue_urls
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// Starts the two credit queue pollers and the stream poller; they stop when `stop` is cancelled and are tracked by `tasks`.
    pub fn start_workers(
        &self,
        tasks: &TaskTracker,
        stop: &CancellationToken,
    ) -> Result<(), AwsBackendError> {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        for (logical, kind) in [
            (USER_CREATED, CreditEventKind::UserCreated),
            (ORDER_COMPLETED, CreditEventKind::OrderCompleted),
        ] {
            let function = CreditFunction::new(&self.sdk, &self.config.table_name, kind);
            let handle = move |event| {
                let function = function.clone();
                async move { function.handle(&event).await }
            };
            let url = self.queue_url(&self.topology.queue(logical));
            tasks.spawn(run_sqs_poller(sqs.clone(), url, handle, stop.clone()));
        }
        let reader = StreamReader::new(
            aws_sdk_dynamodbstreams::Client::new(&self.sdk),
            &self.provisioned.stream_arn,
        );
        let function =
            PointsUpdatedFunction::new(&self.sdk, &self.topology.bus_name, &self.config.env);
        let failures = FailureQueue {
            sqs,
            queue_url: self.queue_url(&self.topology.stream_failure_queue),
        };
        let checkpoints = Checkpoints::load(&self.config.data_dir)?;
        tasks.spawn(run_stream_poller(
            reader,
            function,
            failures,
            checkpoints,
            stop.clone(),
        ));
        Ok(())
    }
}
