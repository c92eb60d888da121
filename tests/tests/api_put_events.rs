//! The EventBridge `PutEvents` contract at `POST /`: calls EventBridge would refuse are client errors, and entries
//! shaped as the AWS SDKs send them are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::cli::dead_letters;
use loyalty_tests::events::put_events_body;
use loyalty_tests::jwt::now_epoch_seconds;
use loyalty_tests::{LoyaltyApi, PutEntry, RunningService, fresh_user_id, wait_for_balance_logged};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_calls_eventbridge_would_refuse_are_client_errors() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();

    let without_entries = api.put_events_raw("{}").await.unwrap();
    let eleven = vec![PutEntry::user_created(&fresh_user_id("too-many")); 11];
    let too_many = api.put_events_raw(&put_events_body(&eleven)).await.unwrap();
    let unknown_operation = api
        .send(
            api.request(Method::POST, "/")
                .header("X-Amz-Target", "AWSEvents.ListRules")
                .header("Content-Type", "application/x-amz-json-1.1")
                .body("{}"),
        )
        .await
        .unwrap();

    for (case, response, error_type) in [
        ("no Entries", &without_entries, "ValidationException"),
        ("11 entries", &too_many, "ValidationException"),
        (
            "another operation",
            &unknown_operation,
            "UnknownOperationException",
        ),
    ] {
        assert_eq!(response.status, 400, "{case}: {response:?}");
        let body: Value = response.json().unwrap();
        assert_eq!(body["__type"], json!(error_type), "{case}: {body}");
    }
    assert!(
        dead_letters(service.binary(), service.data_dir())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_entries_as_the_aws_sdks_send_them_are_accepted() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("sdk-shaped");
    let detail = loyalty_tests::CloudEventBuilder::user_created(&user)
        .build()
        .to_string();
    // The SDKs serialize `Time` as epoch seconds and may send `Resources` and `TraceHeader`.
    let body = json!({"Entries": [{
        "Time": now_epoch_seconds(),
        "Source": "dev.users",
        "Resources": [],
        "DetailType": "users.userCreated.v1",
        "Detail": detail,
        "EventBusName": "LoyaltyService-bus-dev",
        "TraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    }]});

    let response = api.put_events_raw(&body.to_string()).await.unwrap();

    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.json().unwrap()["FailedEntryCount"], json!(0));
    wait_for_balance_logged(&service, &api, &service.token_for(&user), 100)
        .await
        .unwrap();
}
