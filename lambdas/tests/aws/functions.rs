//! The Lambda functions' handlers, called with real `aws_lambda_events` payloads (SQS messages delivered by
//! moto's EventBridge rules, records read back from moto's DynamoDB Streams, API Gateway proxy requests) against
//! moto server and durable-local over HTTP, without the Lambda runtime.

use std::time::Duration;

use crate::moto::Moto;
use aws_durable_execution_sdk::{BoxError, DurableContext};
use aws_lambda_events::event::dynamodb::Event as StreamEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use durable_local::{DurableLocal, DurableLocalOptions, ExecutionStatus};
use loyalty_lambdas::aws::config::sdk_config_for_endpoint;
use loyalty_lambdas::aws::{DynamoAccountStore, EventBridgePublisher};
use loyalty_lambdas::functions::api::{ApiFunction, ApiSettings};
use loyalty_lambdas::functions::credit_events::CreditFunction;
use loyalty_lambdas::functions::points_updated::PointsUpdatedFunction;
use loyalty_lambdas::functions::tier_queues::{AcknowledgerFunction, TriggerFunction};
use loyalty_service::core::account::Account;
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::core::jwt::mint_hs256;
use loyalty_service::core::outgoing::{OutgoingEvent, PublishContext, balance_change_events};
use loyalty_service::handlers::credit_events::CreditEventKind;
use loyalty_service::ports::{AccountStore, Clock, EventPublisher, SystemClock};
use loyalty_service::producers;
use loyalty_service::tier_workflow::queue_handlers::execution_name;
use loyalty_service::tier_workflow::tier::Tier;
use loyalty_service::tier_workflow::tier_upgraded::TierUpgraded;
use loyalty_service::use_cases::credit_points;
use serde_json::{Value, json};

const TABLE: &str = "LoyaltyService-Points-dev";
const BUS: &str = "LoyaltyService-bus-dev";
const SECRET_PARAM: &str = "/dev/shared/secret-access-key";
const SECRET: &str = "a shared secret of the integrated environment";

fn now_ms() -> i64 {
    SystemClock.now_ms()
}

fn publisher(moto: &Moto) -> EventBridgePublisher {
    EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&moto.config), BUS)
}

fn api_gateway_request(
    method: &str,
    token: Option<&str>,
    headers: Value,
    body: Option<&str>,
) -> lambda_http::Request {
    let mut all_headers = headers.as_object().cloned().unwrap_or_default();
    if let Some(token) = token {
        all_headers.insert(
            "Authorization".into(),
            Value::from(format!("Bearer {token}")),
        );
    }
    let multi: serde_json::Map<String, Value> = all_headers
        .iter()
        .map(|(k, v)| (k.clone(), json!([v])))
        .collect();
    let event = json!({
        "resource": "/loyalty", "path": "/loyalty", "httpMethod": method,
        "headers": all_headers, "multiValueHeaders": multi,
        "queryStringParameters": null, "multiValueQueryStringParameters": null,
        "pathParameters": null, "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012", "resourceId": "abc", "stage": "dev", "requestId": "r1",
            "identity": {"sourceIp": "127.0.0.1"}, "resourcePath": "/loyalty", "httpMethod": method,
            "apiId": "api", "path": "/dev/loyalty", "protocol": "HTTP/1.1"
        },
        "body": body, "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

async fn body_json(response: axum::response::Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_api_functions_serve_the_balance_and_an_idempotent_spend_with_a_real_jwt() {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    aws_sdk_ssm::Client::new(&moto.config)
        .put_parameter()
        .name(SECRET_PARAM)
        .value(SECRET)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let store = DynamoAccountStore::new(moto.dynamodb(), TABLE);
    let welcome = CreditCommand {
        user_id: "u1".into(),
        key: CreditKey::WelcomeBonus,
    };
    credit_points(&store, &SystemClock, &welcome).await.unwrap();
    let settings = ApiSettings {
        table_name: TABLE.into(),
        jwt_secret_param_name: SECRET_PARAM.into(),
        max_token_lifetime: None,
    };
    let api = ApiFunction::new(&moto.config, &settings).await.unwrap();
    let token = mint_hs256("u1", SECRET.as_bytes(), now_ms() / 1000, 3600).unwrap();

    let get = api
        .handle(api_gateway_request("GET", Some(&token), json!({}), None))
        .await;
    assert_eq!(get.status(), 200);
    assert_eq!(
        body_json(get).await,
        json!({"data": {"userId": "u1", "currentPoints": 100}, "success": true, "message": []})
    );
    let headers = json!({"Idempotency-Key": "k1", "Content-Type": "application/json"});
    for replay in [false, true] {
        let spend = api
            .handle(api_gateway_request(
                "POST",
                Some(&token),
                headers.clone(),
                Some(r#"{"points":30}"#),
            ))
            .await;
        assert_eq!(spend.status(), 201);
        assert_eq!(spend.headers().contains_key("idempotency-replayed"), replay);
        assert_eq!(
            body_json(spend).await,
            json!({"data": {"userId": "u1", "currentPoints": 70}, "success": true, "message": []})
        );
    }
    assert_eq!(store.load_account("u1").await.unwrap().unwrap().points, 70);
    let other_secret = mint_hs256("u1", b"another secret", now_ms() / 1000, 3600).unwrap();
    let refused = api
        .handle(api_gateway_request(
            "GET",
            Some(&other_secret),
            json!({}),
            None,
        ))
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        body_json(refused).await,
        json!({"success": false, "message": ["Unauthorized"]})
    );
}

#[tokio::test]
async fn the_credit_functions_credit_sqs_deliveries_once_and_report_the_unsupported_event() {
    let moto = Moto::start().await;
    moto.create_table(TABLE).await;
    let users = moto
        .route_to_queue(
            BUS,
            "LoyaltyService_UserCreated_Rule",
            "dev.users",
            &["users.userCreated.v1"],
            "LoyaltyService-UserCreated-dev",
        )
        .await;
    let orders = moto
        .route_to_queue(
            BUS,
            "LoyaltyService_OrderCompleted_Rule",
            "dev.orders",
            &["orders.orderCompleted.v1", "orders.orderCompleted.v2"],
            "LoyaltyService-OrderCompleted-dev",
        )
        .await;
    let now = now_ms();
    let unsupported = {
        let mut event = producers::order_completed("dev", "u1", "o-9", false, now);
        event.detail = event
            .detail
            .replace("orders.orderCompleted.v1\"", "orders.orderCompleted.v9\"");
        event
    };
    let events = [
        producers::user_created("dev", "u1", now),
        producers::order_completed("dev", "u1", "o-1", false, now),
        producers::order_completed("dev", "u1", "o-1", true, now),
        unsupported,
    ];
    publisher(&moto).publish(&events).await.unwrap();

    let user_function = CreditFunction::new(&moto.config, TABLE, CreditEventKind::UserCreated);
    let order_function = CreditFunction::new(&moto.config, TABLE, CreditEventKind::OrderCompleted);
    let user_event: SqsEvent =
        serde_json::from_value(moto.receive_sqs_event(&users, 1).await).unwrap();
    let order_event: SqsEvent =
        serde_json::from_value(moto.receive_sqs_event(&orders, 3).await).unwrap();
    assert_eq!(
        user_function.handle(&user_event).await,
        json!({"batchItemFailures": []})
    );
    let unsupported_id = order_event
        .records
        .iter()
        .find(|r| {
            r.body
                .as_deref()
                .unwrap()
                .contains("orders.orderCompleted.v9")
        })
        .and_then(|r| r.message_id.clone())
        .unwrap();
    let expected = json!({"batchItemFailures": [{"itemIdentifier": unsupported_id}]});
    assert_eq!(order_function.handle(&order_event).await, expected);
    // A redelivery of both batches changes nothing.
    assert_eq!(
        user_function.handle(&user_event).await,
        json!({"batchItemFailures": []})
    );
    assert_eq!(order_function.handle(&order_event).await, expected);

    let account = DynamoAccountStore::new(moto.dynamodb(), TABLE)
        .load_account("u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.points, 150);
}

/// `(detail-type, total points)` of every event delivered to `queue`, sorted.
async fn detail_types_received(moto: &Moto, queue: &str, expected: usize) -> Vec<(String, i64)> {
    let event = moto.receive_sqs_event(queue, expected).await;
    let mut received: Vec<(String, i64)> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
            (
                body["detail-type"].as_str().unwrap().to_owned(),
                // v1 carries only `newPointsTotal`; v2 and pointsSpent carry `totalPoints`.
                body["detail"]["data"]["totalPoints"]
                    .as_i64()
                    .or_else(|| body["detail"]["data"]["newPointsTotal"].as_i64())
                    .unwrap(),
            )
        })
        .collect();
    received.sort();
    received
}

#[tokio::test]
async fn the_stream_function_publishes_each_account_change_and_reports_failed_records() {
    let moto = Moto::start().await;
    let stream_arn = moto.create_table(TABLE).await;
    let queue = moto
        .route_to_queue(
            BUS,
            "all-points-events",
            "dev.loyalty",
            &[
                "loyalty.pointsAdded.v1",
                "loyalty.pointsAdded.v2",
                "loyalty.pointsSpent.v1",
            ],
            "points-events",
        )
        .await;
    let store = DynamoAccountStore::new(moto.dynamodb(), TABLE);
    for key in [CreditKey::WelcomeBonus, CreditKey::Order("o-1".into())] {
        let command = CreditCommand {
            user_id: "u1".into(),
            key,
        };
        credit_points(&store, &SystemClock, &command).await.unwrap();
    }
    let spend = loyalty_service::use_cases::SpendRequest {
        user_id: "u1".into(),
        amount: loyalty_service::core::spend::SpendAmount::new(30).unwrap(),
        idempotency_key: None,
    };
    loyalty_service::use_cases::spend_points(&store, &SystemClock, &spend)
        .await
        .unwrap();
    let event: StreamEvent = serde_json::from_value(moto.stream_event(&stream_arn).await).unwrap();

    let function = PointsUpdatedFunction::new(&moto.config, BUS, "dev");
    assert_eq!(
        function.handle(&event).await,
        json!({"batchItemFailures": []})
    );
    assert_eq!(
        detail_types_received(&moto, &queue, 5).await,
        vec![
            ("loyalty.pointsAdded.v1".to_owned(), 100),
            ("loyalty.pointsAdded.v1".to_owned(), 150),
            ("loyalty.pointsAdded.v2".to_owned(), 100),
            ("loyalty.pointsAdded.v2".to_owned(), 150),
            ("loyalty.pointsSpent.v1".to_owned(), 120),
        ]
    );

    // On a bus that does not exist, every account record fails (in order), nothing is dropped.
    let broken = PointsUpdatedFunction::new(&moto.config, "no-such-bus", "dev");
    let account_records: Vec<Value> = event
        .records
        .iter()
        .filter(|r| {
            serde_json::to_value(&r.change.new_image).unwrap()["Type"]["S"] == "LoyaltyAccount"
        })
        .map(|r| json!({"itemIdentifier": r.change.sequence_number}))
        .collect();
    assert_eq!(account_records.len(), 3);
    assert_eq!(
        broken.handle(&event).await,
        json!({"batchItemFailures": account_records})
    );
}

async fn stand_in_orchestrator(input: Value, ctx: DurableContext) -> Result<Value, BoxError> {
    let ack: Value = ctx
        .wait_for_callback::<Value, _, _>(|_step, _callback_id| async move { Ok(()) })
        .name("await-notification-ack")
        .await?;
    Ok(json!({"input": input, "ack": ack}))
}

#[tokio::test]
async fn the_trigger_starts_one_named_execution_and_the_acknowledger_completes_its_callback() {
    let moto = Moto::start().await;
    let points = moto
        .route_to_queue(
            BUS,
            "LoyaltyService_TierUpgradeTrigger_Rule",
            "dev.loyalty",
            &["loyalty.pointsAdded.v2"],
            "trigger",
        )
        .await;
    let acks = moto
        .route_to_queue(
            BUS,
            "LoyaltyService_NotificationAcknowledger_Rule",
            "dev.loyalty",
            &["loyalty.tierUpgraded.v1"],
            "acknowledger",
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("durable.sqlite3"),
        DurableLocalOptions::default(),
    )
    .unwrap();
    local
        .register_durable(
            "LoyaltyService-TierUpgradeOrchestrator",
            stand_in_orchestrator,
        )
        .unwrap();
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lambda_config = sdk_config_for_endpoint(&server.endpoint_url()).await;

    // 450 -> 550 points: Silver.
    let account = Account {
        user_id: "u1".into(),
        points: 450,
        version: 9,
        legacy_orders: vec![],
    };
    let context = PublishContext {
        env: "dev".into(),
        event_id: "e1".into(),
        time: "2026-11-25T00:00:00.000Z".into(),
        traceparent: None,
    };
    let added: Vec<OutgoingEvent> = balance_change_events(&account.change_to(550), &context);
    publisher(&moto).publish(&added).await.unwrap();
    let trigger_event: SqsEvent =
        serde_json::from_value(moto.receive_sqs_event(&points, 1).await).unwrap();
    let trigger = TriggerFunction::new(&lambda_config, "LoyaltyService-TierUpgradeOrchestrator");
    assert_eq!(
        trigger.handle(&trigger_event).await,
        json!({"batchItemFailures": []})
    );
    assert_eq!(
        trigger.handle(&trigger_event).await,
        json!({"batchItemFailures": []})
    );
    let executions = local
        .list_executions("LoyaltyService-TierUpgradeOrchestrator")
        .unwrap();
    assert_eq!(executions.len(), 1);
    let arn = executions[0].clone();
    let execution = local.get_execution(&arn).unwrap();
    assert_eq!(execution.name, execution_name("u1", Tier::Silver));

    let callback_id = local
        .wait_for_callback_id(&arn, Duration::from_secs(10))
        .await
        .unwrap();
    let upgraded = TierUpgraded {
        env: "dev",
        event_id: "e2",
        time: "2026-11-25T00:00:01.000Z",
        user_id: "u1",
        previous_tier: Tier::Bronze,
        new_tier: Tier::Silver,
        current_points: 550,
        recommendations: &[],
        callback_id: &callback_id,
        traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    };
    publisher(&moto).publish(&[upgraded.event()]).await.unwrap();
    let ack_event: SqsEvent =
        serde_json::from_value(moto.receive_sqs_event(&acks, 1).await).unwrap();
    let acknowledger = AcknowledgerFunction::new(&lambda_config);
    assert_eq!(
        acknowledger.handle(&ack_event).await,
        json!({"batchItemFailures": []})
    );
    let finished = local.wait_for_completion(&arn).await.unwrap();
    assert_eq!(finished.status, ExecutionStatus::Succeeded);
    let result: Value = serde_json::from_str(finished.result.as_deref().unwrap()).unwrap();
    assert_eq!(result["input"], json!({"userId": "u1", "totalPoints": 550}));
    assert!(
        result["ack"]["acknowledgedAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    // A redelivered acknowledgement of the completed callback is done, not retried (behaviour F12).
    assert_eq!(
        acknowledger.handle(&ack_event).await,
        json!({"batchItemFailures": []})
    );
}
