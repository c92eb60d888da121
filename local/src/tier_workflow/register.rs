//! The tier workflow on durable-local, in-process: the orchestrator and `fetch-order-history` registered by name.

use std::sync::Arc;

use durable_local::DurableLocal;
use workflow_runtime::FunctionTarget;

use loyalty_service::http::service_clients::{
    OrderServiceClient, ProductSearchClient, ProductServiceClient, http_client_for,
};
use loyalty_service::ports::{Clock, EventPublisher};
use loyalty_service::tier_workflow::activities::TierActivities;
use loyalty_service::tier_workflow::config::{
    EXECUTION_TIMEOUT, FETCH_ORDER_HISTORY_FUNCTION, ORCHESTRATOR_FUNCTION, ServiceEndpoints,
};
use loyalty_service::tier_workflow::fetch_order_history::fetch_order_history;
use loyalty_service::tier_workflow::orchestrator::tier_upgrade;
use loyalty_service::tier_workflow::ports::TierStore;

/// Why the tier workflow could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TierWorkflowError {
    /// durable-local refused the registration.
    #[error(transparent)]
    Durable(#[from] durable_local::Error),
    /// The HTTP client of the three services could not be built.
    #[error("cannot build the HTTP client of the external services: {0}")]
    HttpClient(#[from] reqwest::Error),
}

/// Registers the orchestrator and the order-history function on `local`; executions left running by a previous
/// process resume now.
pub fn register_tier_workflow<S, P, C>(
    local: &DurableLocal,
    endpoints: &ServiceEndpoints,
    env: &str,
    jwt_secret: &[u8],
    tiers: S,
    publisher: P,
    clock: C,
) -> Result<(), TierWorkflowError>
where
    S: TierStore + 'static,
    P: EventPublisher + 'static,
    C: Clock + Clone + 'static,
{
    let http = http_client_for(&[
        &endpoints.order_service,
        &endpoints.product_service,
        &endpoints.product_search,
    ])?;
    let orders = Arc::new(OrderServiceClient::new(
        &endpoints.order_service,
        jwt_secret,
        http.clone(),
    ));
    let order_clock = clock.clone();
    local.register_function(FETCH_ORDER_HISTORY_FUNCTION, move |request| {
        let orders = Arc::clone(&orders);
        let now_secs = order_clock.now_ms() / 1000;
        async move {
            Ok::<_, aws_durable_execution_sdk::BoxError>(
                fetch_order_history(orders.as_ref(), request, now_secs).await,
            )
        }
    });
    let activities = TierActivities {
        tiers,
        publisher,
        products: ProductServiceClient::new(&endpoints.product_service, http.clone()),
        search: ProductSearchClient::new(&endpoints.product_search, http),
        env: env.to_owned(),
        clock,
    };
    let functions = tier_upgrade::Functions {
        fetch_order_history: FunctionTarget::Lambda(FETCH_ORDER_HISTORY_FUNCTION.to_owned()),
    };
    // The deployed orchestrator's execution timeout (the spec's `timeout:`), here as in AWS.
    local.register_durable_with_timeout(
        ORCHESTRATOR_FUNCTION,
        EXECUTION_TIMEOUT,
        tier_upgrade::handler(activities, functions),
    )?;
    Ok(())
}
