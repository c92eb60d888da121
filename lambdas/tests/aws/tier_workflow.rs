//! The tier upgrade workflow in its Lambda shape: the orchestrator's activities built by
//! `functions::orchestrator::build` on moto (tier items in DynamoDB, `tierUpgraded.v1` on EventBridge, endpoints
//! from SSM), the `fetch-order-history-activity` handler as the chained-invoke target, the acknowledger completing
//! the callback through the Lambda API of durable-local over HTTP.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::moto::Moto;
use crate::support::{SECRET, Services, serve_stand_ins};
use aws_durable_execution_sdk::BoxError;
use aws_lambda_events::event::sqs::SqsEvent;
use durable_local::{DurableLocal, DurableLocalOptions, ExecutionStatus};
use loyalty_lambdas::aws::config::sdk_config_for_endpoint;
use loyalty_lambdas::aws::{AwsError, DynamoTierStore};
use loyalty_lambdas::functions::orchestrator::{OrchestratorSettings, build};
use loyalty_lambdas::functions::order_history::{OrderHistoryFunction, OrderHistorySettings};
use loyalty_lambdas::functions::tier_queues::AcknowledgerFunction;
use loyalty_service::tier_workflow::UpgradeOutcome;
use loyalty_service::tier_workflow::orchestrator::tier_upgrade;
use loyalty_service::tier_workflow::orders::HistoryRequest;
use loyalty_service::tier_workflow::ports::TierStore;
use loyalty_service::tier_workflow::tier::Tier;
use serde_json::json;

const TABLE: &str = "LoyaltyService-Points-dev";
const BUS: &str = "LoyaltyService-bus-dev";
const ORCHESTRATOR: &str = "LoyaltyService-TierUpgradeOrchestrator";
const ACTIVITY: &str = "LoyaltyService-FetchOrderHistoryActivity";

async fn put_parameter(moto: &Moto, name: &str, value: &str, secure: bool) {
    let kind = if secure {
        aws_sdk_ssm::types::ParameterType::SecureString
    } else {
        aws_sdk_ssm::types::ParameterType::String
    };
    aws_sdk_ssm::Client::new(&moto.config)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .send()
        .await
        .unwrap();
}

fn order_history_settings() -> OrderHistorySettings {
    OrderHistorySettings {
        jwt_secret_param_name: "/dev/shared/secret-access-key".into(),
        order_service_endpoint_param: "/dev/OrdersService/api-endpoint".into(),
    }
}

#[tokio::test]
async fn pointsadded_over_silver_upgrades_the_dynamodb_tier_item_and_the_acknowledgement_completes_it()
 {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    let acks = moto
        .route_to_queue(
            BUS,
            "LoyaltyService_NotificationAcknowledger_Rule",
            "dev.loyalty",
            &["loyalty.tierUpgraded.v1"],
            "acks",
        )
        .await;
    let services = Arc::new(Services::default());
    let (endpoints, _stand_ins) = serve_stand_ins(Arc::clone(&services)).await;
    put_parameter(&moto, "/dev/shared/secret-access-key", SECRET, true).await;
    put_parameter(
        &moto,
        "/dev/OrdersService/api-endpoint",
        &endpoints.order_service,
        false,
    )
    .await;
    put_parameter(
        &moto,
        "/dev/ProductService/api-endpoint",
        &endpoints.product_service,
        false,
    )
    .await;
    put_parameter(
        &moto,
        "/dev/ProductSearchService/api-endpoint",
        &endpoints.product_search,
        false,
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("durable.sqlite3"),
        DurableLocalOptions::default(),
    )
    .unwrap();
    let activity = OrderHistoryFunction::new(&moto.config, &order_history_settings())
        .await
        .unwrap();
    local.register_function(ACTIVITY, move |request: HistoryRequest| {
        let activity = activity.clone();
        async move { Ok::<_, BoxError>(activity.handle(request).await) }
    });
    let settings = OrchestratorSettings {
        table_name: TABLE.into(),
        event_bus_name: BUS.into(),
        env: "dev".into(),
        fetch_order_history_activity_arn: ACTIVITY.into(),
        product_service_endpoint_param: "/dev/ProductService/api-endpoint".into(),
        product_search_endpoint_param: "/dev/ProductSearchService/api-endpoint".into(),
    };
    let (activities, functions) = build(&moto.config, &settings).await.unwrap();
    local
        .register_durable(ORCHESTRATOR, tier_upgrade::handler(activities, functions))
        .unwrap();
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    let arn = local
        .start_execution(
            ORCHESTRATOR,
            Some("tier-Silver-u1"),
            &json!({"userId": "u1", "totalPoints": 550}),
        )
        .unwrap();
    let ack_event: SqsEvent =
        serde_json::from_value(moto.receive_sqs_event(&acks, 1).await).unwrap();
    let body: serde_json::Value =
        serde_json::from_str(ack_event.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["detail"]["data"]["newTier"], "Silver");
    let acknowledger =
        AcknowledgerFunction::new(&sdk_config_for_endpoint(&server.endpoint_url()).await);
    assert_eq!(
        acknowledger.handle(&ack_event).await,
        json!({"batchItemFailures": []})
    );

    let finished = tokio::time::timeout(Duration::from_secs(30), local.wait_for_completion(&arn))
        .await
        .expect("the execution finishes")
        .unwrap();
    assert_eq!(finished.status, ExecutionStatus::Succeeded, "{finished:?}");
    let outcome: UpgradeOutcome =
        serde_json::from_str(finished.result.as_deref().unwrap()).unwrap();
    assert_eq!(outcome, UpgradeOutcome::Upgraded);
    let tier = DynamoTierStore::new(moto.dynamodb(), TABLE)
        .load_tier("u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (tier.tier, tier.version, tier.points_at_upgrade),
        (Tier::Silver, 1, 550)
    );
    assert!(tier.notified_at.is_some());
    // Two pages of orders through the chained invoke, one product listing, one search.
    assert_eq!(
        (
            services.order_calls.load(Ordering::SeqCst),
            services.product_calls.load(Ordering::SeqCst),
            services.search_calls.load(Ordering::SeqCst)
        ),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn a_missing_endpoint_parameter_fails_the_cold_start_naming_it() {
    let moto = Moto::start().await;
    put_parameter(&moto, "/dev/shared/secret-access-key", SECRET, true).await;
    let error = OrderHistoryFunction::new(&moto.config, &order_history_settings())
        .await
        .unwrap_err();
    let AwsError::Parameter { name, .. } = error else {
        panic!("expected a parameter error, got {error:?}")
    };
    assert_eq!(name, "/dev/OrdersService/api-endpoint");
}
