//! The `token` and `publish` subcommands against a running server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::cli::{bus_archive, publish_order_completed, publish_user_created, token};
use loyalty_tests::{LoyaltyApi, RunningService, fresh_user_id, wait_for_balance_logged};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_the_token_subcommand_is_accepted_and_one_for_another_secret_is_not() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("cli-token");

    let valid = token(service.binary(), &user, service.jwt_secret())
        .await
        .unwrap();
    let foreign = token(service.binary(), &user, "some other secret")
        .await
        .unwrap();

    let known = api
        .get_loyalty(Some(&format!("Bearer {valid}")))
        .await
        .unwrap();
    assert_eq!(
        (known.status, known.text()),
        (
            404,
            r#"{"success":false,"message":["Not found"]}"#.to_owned()
        )
    );
    let rejected = api
        .get_loyalty(Some(&format!("Bearer {foreign}")))
        .await
        .unwrap();
    assert_eq!(
        (rejected.status, rejected.text()),
        (
            401,
            r#"{"success":false,"message":["Unauthorized"]}"#.to_owned()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_publish_subcommands_send_events_the_service_credits() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let endpoint = service.endpoint();
    let user = fresh_user_id("cli-publish");
    let token = token(service.binary(), &user, service.jwt_secret())
        .await
        .unwrap();

    publish_user_created(service.binary(), &user, &endpoint)
        .await
        .unwrap();
    wait_for_balance_logged(&service, &api, &token, 100)
        .await
        .unwrap();
    publish_order_completed(service.binary(), &user, "CLI-1", false, &endpoint)
        .await
        .unwrap();
    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
    publish_order_completed(service.binary(), &user, "CLI-1", true, &endpoint)
        .await
        .unwrap();
    publish_order_completed(service.binary(), &user, "CLI-2", true, &endpoint)
        .await
        .unwrap();
    wait_for_balance_logged(&service, &api, &token, 200)
        .await
        .unwrap();

    let archive = bus_archive(service.binary(), service.data_dir())
        .await
        .unwrap();
    let sent: Vec<(String, String, serde_json::Value)> = archive
        .iter()
        .filter(|event| event.is_for_user(&user) && !event.source.ends_with(".loyalty"))
        .map(|event| {
            (
                event.source.clone(),
                event.detail_type.clone(),
                event.detail["data"].clone(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            (
                "dev.users".to_owned(),
                "users.userCreated.v1".to_owned(),
                json!({"userId": user})
            ),
            (
                "dev.orders".to_owned(),
                "orders.orderCompleted.v1".to_owned(),
                json!({"orderNumber": "CLI-1", "userId": user})
            ),
            (
                "dev.orders".to_owned(),
                "orders.orderCompleted.v2".to_owned(),
                json!({"orderId": "CLI-1", "userId": user})
            ),
            (
                "dev.orders".to_owned(),
                "orders.orderCompleted.v2".to_owned(),
                json!({"orderId": "CLI-2", "userId": user})
            ),
        ]
    );
    assert_eq!(api.balance(&token).await.unwrap(), Some(200));
}
