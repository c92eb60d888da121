//! `fetch-order-history-activity` (behaviour keep-services, F13): the target of the orchestrator's chained invoke.
//! The JWT secret (decrypted) and the Order Service endpoint are read from SSM once per container.

use aws_config::SdkConfig;

use crate::aws::{AwsError, ParameterStore};
use crate::functions::required_env;
use loyalty_service::http::service_clients::{OrderServiceClient, http_client_for};
use loyalty_service::ports::{Clock, SystemClock};
use loyalty_service::tier_workflow::fetch_order_history::fetch_order_history;
use loyalty_service::tier_workflow::orders::{HistoryRequest, OrderHistory};

/// The SSM parameter names the activity reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderHistorySettings {
    /// `JWT_SECRET_PARAM_NAME`.
    pub jwt_secret_param_name: String,
    /// `ORDER_SERVICE_ENDPOINT_PARAM` (`/<ENV>/OrdersService/api-endpoint`, behaviour F13).
    pub order_service_endpoint_param: String,
}

impl OrderHistorySettings {
    /// Reads both names from the environment.
    pub fn from_env() -> Result<Self, AwsError> {
        Ok(Self {
            jwt_secret_param_name: required_env("JWT_SECRET_PARAM_NAME")?,
            order_service_endpoint_param: required_env("ORDER_SERVICE_ENDPOINT_PARAM")?,
        })
    }
}

/// The activity, built once per container.
#[derive(Debug, Clone)]
pub struct OrderHistoryFunction {
    orders: OrderServiceClient,
}

impl OrderHistoryFunction {
    /// Reads the secret and the endpoint; a missing parameter is an error at cold start, not an empty history.
    pub async fn new(
        config: &SdkConfig,
        settings: &OrderHistorySettings,
    ) -> Result<Self, AwsError> {
        let parameters = ParameterStore::new(aws_sdk_ssm::Client::new(config));
        // Both at once: the cold start waits for one round trip instead of two.
        let (secret, endpoint) = tokio::try_join!(
            parameters.get(&settings.jwt_secret_param_name, true),
            parameters.get(&settings.order_service_endpoint_param, false),
        )?;
        let http = http_client_for(&[&endpoint]).map_err(|e| AwsError::Parameter {
            name: settings.order_service_endpoint_param.clone(),
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok(Self {
            orders: OrderServiceClient::new(&endpoint, secret.as_bytes(), http),
        })
    }

    /// Every page of the user's orders (a failure is recorded in [`OrderHistory::error`] and logged).
    pub async fn handle(&self, request: HistoryRequest) -> OrderHistory {
        fetch_order_history(&self.orders, request, SystemClock.now_ms() / 1000).await
    }
}
