//! `POST /loyalty` honours an optional `Idempotency-Key` (behaviour F4): a repeated key returns the first response and
//! spends once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use loyalty_tests::cli::wait_for_archive;
use loyalty_tests::wait_for_balance_logged;
use loyalty_tests::{LoyaltyApi, PutEntry, RunningService, fresh_user_id};

async fn service_with_accounts(users: &[&str]) -> (RunningService, LoyaltyApi) {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let entries: Vec<PutEntry> = users
        .iter()
        .map(|user| PutEntry::user_created(user))
        .collect();
    api.publish(&entries).await.unwrap();
    for user in users {
        wait_for_balance_logged(&service, &api, &service.token_for(user), 100)
            .await
            .unwrap();
    }
    (service, api)
}

fn body_with(user: &str, points: i64, success: bool) -> String {
    if success {
        format!(
            r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":true,"message":[]}}"#
        )
    } else {
        format!(
            r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":false,"message":["You don't have enough points"]}}"#
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_idempotency_key_returns_the_first_response_and_spends_once() {
    let user = fresh_user_id("idempotent");
    let (service, api) = service_with_accounts(&[&user]).await;
    let token = service.token_for(&user);
    let spend_30 = Some(r#"{"points":30}"#);

    let first = api
        .spend_raw(&token, spend_30, Some("key-1"))
        .await
        .unwrap();
    let repeated = api
        .spend_raw(&token, spend_30, Some("key-1"))
        .await
        .unwrap();
    let another_key = api
        .spend_raw(&token, spend_30, Some("key-2"))
        .await
        .unwrap();

    assert_eq!(
        (first.status, first.text()),
        (201, body_with(&user, 70, true))
    );
    assert_eq!(
        (repeated.status, repeated.text()),
        (201, body_with(&user, 70, true))
    );
    assert_eq!(
        repeated.header("access-control-allow-methods"),
        Some("POST,GET,PUT,DELETE")
    );
    assert_eq!(
        (another_key.status, another_key.text()),
        (201, body_with(&user, 40, true))
    );
    assert_eq!(api.balance(&token).await.unwrap(), Some(40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_key_of_a_refused_spend_returns_the_same_refusal() {
    let user = fresh_user_id("idempotent-refusal");
    let (service, api) = service_with_accounts(&[&user]).await;
    let token = service.token_for(&user);

    let first = api
        .spend_raw(&token, Some(r#"{"points":500}"#), Some("too-much"))
        .await
        .unwrap();
    let repeated = api
        .spend_raw(&token, Some(r#"{"points":500}"#), Some("too-much"))
        .await
        .unwrap();

    assert_eq!(
        (first.status, first.text()),
        (400, body_with(&user, 100, false))
    );
    assert_eq!(
        (repeated.status, repeated.text()),
        (400, body_with(&user, 100, false))
    );
    assert_eq!(api.balance(&token).await.unwrap(), Some(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_from_another_user_is_that_users_own_spend() {
    let alice = fresh_user_id("alice");
    let bob = fresh_user_id("bob");
    let (service, api) = service_with_accounts(&[&alice, &bob]).await;

    let for_alice = api
        .spend_raw(
            &service.token_for(&alice),
            Some(r#"{"points":10}"#),
            Some("shared-key"),
        )
        .await
        .unwrap();
    let for_bob = api
        .spend_raw(
            &service.token_for(&bob),
            Some(r#"{"points":25}"#),
            Some("shared-key"),
        )
        .await
        .unwrap();

    assert_eq!(
        (for_alice.status, for_alice.text()),
        (201, body_with(&alice, 90, true))
    );
    assert_eq!(
        (for_bob.status, for_bob.text()),
        (201, body_with(&bob, 75, true))
    );
    assert_eq!(
        api.balance(&service.token_for(&alice)).await.unwrap(),
        Some(90)
    );
    assert_eq!(
        api.balance(&service.token_for(&bob)).await.unwrap(),
        Some(75)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_idempotency_key_spend_once() {
    let user = fresh_user_id("idempotent-race");
    let (service, api) = service_with_accounts(&[&user]).await;
    let token = service.token_for(&user);

    let requests = (0..10).map(|_| {
        let (token, api) = (token.clone(), api.clone());
        tokio::spawn(async move {
            api.spend_raw(&token, Some(r#"{"points":10}"#), Some("race-key"))
                .await
        })
    });
    let mut responses = Vec::new();
    for request in requests {
        responses.push(request.await.unwrap().unwrap());
    }

    let created: Vec<_> = responses
        .iter()
        .filter(|response| response.status == 201)
        .collect();
    assert!(
        !created.is_empty(),
        "the first request succeeds: {responses:?}"
    );
    for response in &created {
        assert_eq!(
            response.text(),
            body_with(&user, 90, true),
            "a replay carries the first response"
        );
    }
    assert_eq!(api.balance(&token).await.unwrap(), Some(90));
    let spent = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "one pointsSpent",
        Duration::from_secs(15),
        |events| {
            let spent: Vec<_> = events
                .iter()
                .filter(|e| e.is_for_user(&user) && e.detail_type == "loyalty.pointsSpent.v1")
                .collect();
            if spent.is_empty() {
                Err("none yet".to_owned())
            } else {
                Ok(spent.len())
            }
        },
    )
    .await;
    assert_eq!(service.with_logs(spent).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_reused_for_a_different_amount_spends_nothing_more() {
    let user = fresh_user_id("idempotent-mismatch");
    let (service, api) = service_with_accounts(&[&user]).await;
    let token = service.token_for(&user);

    let first = api
        .spend_raw(&token, Some(r#"{"points":30}"#), Some("reused"))
        .await
        .unwrap();
    let different = api
        .spend_raw(&token, Some(r#"{"points":50}"#), Some("reused"))
        .await
        .unwrap();

    assert_eq!(
        (first.status, first.text()),
        (201, body_with(&user, 70, true))
    );
    // Behaviour F4 promises one spend per key; a different request under a used key must not be a second spend.
    assert_ne!(different.status, 201, "{different:?}");
    let envelope = different.json().unwrap();
    assert_eq!(envelope["success"], serde_json::json!(false), "{envelope}");
    assert_eq!(api.balance(&token).await.unwrap(), Some(70));
}
