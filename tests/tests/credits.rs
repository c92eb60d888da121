//! The anti-corruption layer credits accounts from real producers' events: +100 per new user, +50 per order id,
//! exactly once across redeliveries and event versions (behaviour keep-events-consumed, keep-credits, F5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::api::MarkerEvent;
use loyalty_tests::events::{ORDER_COMPLETED_V2, USER_CREATED};
use loyalty_tests::scenario::BOTH_ORDER_QUEUES;
use loyalty_tests::{CloudEventBuilder, LoyaltyApi, PutEntry, RunningService, fresh_user_id};
use loyalty_tests::{wait_behind_markers, wait_for_balance_logged, welcome_and_wait};
use serde_json::{Value, json};

async fn started() -> (RunningService, LoyaltyApi) {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    (service, api)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_gets_100_points() {
    let (service, api) = started().await;
    let user = fresh_user_id("new-user");
    let token = service.token_for(&user);
    assert_eq!(
        api.balance(&token).await.unwrap(),
        None,
        "no account before the event"
    );

    api.publish(&[PutEntry::user_created(&user)]).await.unwrap();

    wait_for_balance_logged(&service, &api, &token, 100)
        .await
        .unwrap();
    let response = api
        .get_loyalty(Some(&format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        format!(
            r#"{{"data":{{"userId":"{user}","currentPoints":100}},"success":true,"message":[]}}"#
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_user_created_event_adds_nothing() {
    let (service, api) = started().await;
    let user = fresh_user_id("registered-twice");
    let token = service.token_for(&user);

    api.publish(&[PutEntry::user_created(&user), PutEntry::user_created(&user)])
        .await
        .unwrap();

    wait_for_balance_logged(&service, &api, &token, 100)
        .await
        .unwrap();
    wait_behind_markers(&service, &api, &[MarkerEvent::UserCreated])
        .await
        .unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), Some(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_order_gives_150() {
    let (service, api) = started().await;
    let user = fresh_user_id("one-order");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    api.publish(&[PutEntry::order_completed_v1(&user, "ORD-1")])
        .await
        .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_order_twice_gives_150() {
    let (service, api) = started().await;
    let user = fresh_user_id("order-twice");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    api.publish(&[PutEntry::order_completed_v1(&user, "ORD-7")])
        .await
        .unwrap();
    api.publish(&[PutEntry::order_completed_v1(&user, "ORD-7")])
        .await
        .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
    wait_behind_markers(&service, &api, &[MarkerEvent::OrderCompletedV1])
        .await
        .unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), Some(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_and_v2_of_the_same_order_give_150() {
    let (service, api) = started().await;
    let user = fresh_user_id("order-v1-v2");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    // The order service publishes both versions, v1 first, with the same order id value.
    api.publish(&[
        PutEntry::order_completed_v1(&user, "ORD-42"),
        PutEntry::order_completed_v2(&user, "ORD-42"),
    ])
    .await
    .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
    wait_behind_markers(&service, &api, BOTH_ORDER_QUEUES)
        .await
        .unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), Some(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_v2_alone_is_credited() {
    let (service, api) = started().await;
    let user = fresh_user_id("order-v2-only");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    api.publish(&[PutEntry::order_completed_v2(&user, "ORD-V2")])
        .await
        .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_before_the_user_created_event_gives_150_after_both() {
    let (service, api) = started().await;
    let user = fresh_user_id("order-first");
    let token = service.token_for(&user);

    api.publish(&[PutEntry::order_completed_v2(&user, "ORD-EARLY")])
        .await
        .unwrap();
    wait_for_balance_logged(&service, &api, &token, 50)
        .await
        .unwrap();
    api.publish(&[PutEntry::user_created(&user)]).await.unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_id_is_new_user_is_an_ordinary_order() {
    let (service, api) = started().await;
    let user = fresh_user_id("order-named-new-user");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    api.publish(&[PutEntry::order_completed_v1(&user, "new-user")])
        .await
        .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_orders_add_50_each() {
    let (service, api) = started().await;
    let user = fresh_user_id("three-orders");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    api.publish(&[
        PutEntry::order_completed_v1(&user, "A"),
        PutEntry::order_completed_v2(&user, "B"),
        PutEntry::order_completed_v1(&user, "C"),
    ])
    .await
    .unwrap();

    wait_for_balance_logged(&service, &api, &token, 250)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_without_traceparent_or_with_extra_extensions_are_credited() {
    let (service, api) = started().await;
    let user = fresh_user_id("tolerated");
    let token = service.token_for(&user);
    let mut user_created = CloudEventBuilder::user_created(&user);
    user_created
        .remove("traceparent")
        .set("tracestate", json!("dd=s:1"));
    let mut order = CloudEventBuilder::order_completed_v2(&user, "ORD-T");
    order
        .set("traceparent", Value::Null)
        .remove("_datadog")
        .set("partitionkey", json!("p-1"));

    api.publish(&[
        PutEntry::from_event("dev.users", USER_CREATED, &user_created.build()),
        PutEntry::from_event("dev.orders", ORDER_COMPLETED_V2, &order.build()),
    ])
    .await
    .unwrap();

    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_from_another_environment_are_not_routed() {
    let (service, api) = started().await;
    let user = fresh_user_id("prod-user");
    let token = service.token_for(&user);
    let event = CloudEventBuilder::user_created(&user).build();

    api.publish(&[PutEntry::from_event("prod.users", USER_CREATED, &event)])
        .await
        .unwrap();

    wait_behind_markers(&service, &api, &[MarkerEvent::UserCreated])
        .await
        .unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_id_with_quotes_and_non_ascii_letters_is_kept_verbatim() {
    let (service, api) = started().await;
    let user = format!("{} \"Zoë\" ünïcode/\\ユーザー", fresh_user_id("odd"));
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();
    let body = api
        .get_loyalty(Some(&format!("Bearer {token}")))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        body,
        json!({"data": {"userId": user, "currentPoints": 100}, "success": true, "message": []})
    );
}
