//! `tier-upgrade-orchestrator`: the workflow generated from `tier-upgrade.workflow.yaml`, with its activities on
//! DynamoDB (tier items), EventBridge (`loyalty.tierUpgraded.v1`) and the product services whose endpoints are
//! read from SSM; `fetch-order-history` is a chained invoke of `FETCH_ORDER_HISTORY_ACTIVITY_ARN`.

use aws_config::SdkConfig;
use workflow_runtime::FunctionTarget;

use crate::aws::{AwsError, DynamoTierStore, EventBridgePublisher, ParameterStore};
use crate::functions::required_env;
use loyalty_service::http::service_clients::{
    ProductSearchClient, ProductServiceClient, http_client_for,
};
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::activities::TierActivities;
use loyalty_service::tier_workflow::orchestrator::tier_upgrade;

/// The orchestrator's settings (behaviour keep-config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrchestratorSettings {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `EVENT_BUS_NAME`.
    pub event_bus_name: String,
    /// `ENV`.
    pub env: String,
    /// `FETCH_ORDER_HISTORY_ACTIVITY_ARN`.
    pub fetch_order_history_activity_arn: String,
    /// `PRODUCT_SERVICE_ENDPOINT_PARAM`.
    pub product_service_endpoint_param: String,
    /// `PRODUCT_SEARCH_ENDPOINT_PARAM`.
    pub product_search_endpoint_param: String,
}

impl OrchestratorSettings {
    /// Reads every setting; the first missing one is named.
    pub fn from_env() -> Result<Self, AwsError> {
        Ok(Self {
            table_name: required_env("TABLE_NAME")?,
            event_bus_name: required_env("EVENT_BUS_NAME")?,
            env: required_env("ENV")?,
            fetch_order_history_activity_arn: required_env("FETCH_ORDER_HISTORY_ACTIVITY_ARN")?,
            product_service_endpoint_param: required_env("PRODUCT_SERVICE_ENDPOINT_PARAM")?,
            product_search_endpoint_param: required_env("PRODUCT_SEARCH_ENDPOINT_PARAM")?,
        })
    }
}

/// The activities of the orchestrator on the AWS adapters.
pub type AwsTierActivities = TierActivities<
    DynamoTierStore,
    EventBridgePublisher,
    SystemClock,
    ProductServiceClient,
    ProductSearchClient,
>;

/// Builds the activities and the function targets once per container (endpoints read from SSM: a missing one
/// fails the cold start, behaviour F13).
pub async fn build(
    config: &SdkConfig,
    settings: &OrchestratorSettings,
) -> Result<(AwsTierActivities, tier_upgrade::Functions), AwsError> {
    let parameters = ParameterStore::new(aws_sdk_ssm::Client::new(config));
    // Both at once: the cold start waits for one round trip instead of two.
    let (product_service, product_search) = tokio::try_join!(
        parameters.get(&settings.product_service_endpoint_param, false),
        parameters.get(&settings.product_search_endpoint_param, false),
    )?;
    let http =
        http_client_for(&[&product_service, &product_search]).map_err(|e| AwsError::Parameter {
            name: settings.product_service_endpoint_param.clone(),
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
    let activities = TierActivities {
        tiers: DynamoTierStore::new(aws_sdk_dynamodb::Client::new(config), &settings.table_name),
        publisher: EventBridgePublisher::new(
            aws_sdk_eventbridge::Client::new(config),
            &settings.event_bus_name,
        ),
        products: ProductServiceClient::new(&product_service, http.clone()),
        search: ProductSearchClient::new(&product_search, http),
        env: settings.env.clone(),
        clock: SystemClock,
    };
    let functions = tier_upgrade::Functions {
        fetch_order_history: FunctionTarget::Lambda(
            settings.fetch_order_history_activity_arn.clone(),
        ),
    };
    Ok((activities, functions))
}
