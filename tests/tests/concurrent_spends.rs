//! Optimistic locking (behaviour F7): concurrent spends of the whole balance let exactly one through, and no reader
//! ever sees a negative balance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use loyalty_tests::cli::wait_for_archive;
use loyalty_tests::{LoyaltyApi, PutEntry, RunningService, fresh_user_id};
use loyalty_tests::{wait_for_balance_logged, welcome_and_wait};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_spends_of_the_full_balance_let_exactly_one_through() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("contended");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    let spending = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (spending, token, api) = (Arc::clone(&spending), token.clone(), api.clone());
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            while spending.load(Ordering::Relaxed) {
                seen.insert(api.balance(&token).await.unwrap().unwrap());
            }
            seen
        })
    };
    let spends: Vec<_> = (0..50)
        .map(|_| {
            let (token, api) = (token.clone(), api.clone());
            tokio::spawn(async move { api.spend(&token, 100).await })
        })
        .collect();
    let mut responses = Vec::new();
    for spend in spends {
        responses.push(spend.await.unwrap().unwrap());
    }
    spending.store(false, Ordering::Relaxed);
    let seen_balances = watcher.await.unwrap();

    let succeeded: Vec<_> = responses
        .iter()
        .filter(|response| response.status == 201)
        .collect();
    assert_eq!(
        succeeded.len(),
        1,
        "exactly one spend succeeds: {responses:?}"
    );
    assert_eq!(
        succeeded[0].text(),
        format!(
            r#"{{"data":{{"userId":"{user}","currentPoints":0}},"success":true,"message":[]}}"#
        )
    );
    let insufficient = format!(
        r#"{{"data":{{"userId":"{user}","currentPoints":0}},"success":false,"message":["You don't have enough points"]}}"#
    );
    let conflict =
        r#"{"success":false,"message":["Concurrent modification conflict after retries"]}"#;
    for refused in responses.iter().filter(|response| response.status != 201) {
        assert_eq!(refused.status, 400, "{refused:?}");
        let body = refused.text();
        assert!(
            body == insufficient || body == conflict,
            "a refusal is insufficient points or a conflict: {body}"
        );
    }
    assert!(
        seen_balances.is_subset(&BTreeSet::from([0, 100])),
        "balances seen while spending: {seen_balances:?}"
    );
    assert_eq!(api.balance(&token).await.unwrap(), Some(0));

    let spent = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "the pointsSpent event",
        Duration::from_secs(15),
        |events| {
            let spent: Vec<_> = events
                .iter()
                .filter(|event| {
                    event.is_for_user(&user) && event.detail_type == "loyalty.pointsSpent.v1"
                })
                .map(|event| event.detail["data"].clone())
                .collect();
            if spent.is_empty() {
                Err("none yet".to_owned())
            } else {
                Ok(spent)
            }
        },
    )
    .await;
    assert_eq!(
        service.with_logs(spent).unwrap(),
        vec![json!({"userId": user, "totalPoints": 0, "difference": -100})]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spends_racing_order_credits_lose_no_update() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("credited-while-spending");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    let credits = {
        let (user, api) = (user.clone(), api.clone());
        tokio::spawn(async move {
            for call in 0..10 {
                let entries: Vec<PutEntry> = (0..10)
                    .map(|n| PutEntry::order_completed_v2(&user, &format!("RACE-{call}-{n}")))
                    .collect();
                api.publish(&entries).await.unwrap();
            }
        })
    };
    let spends: Vec<_> = (0..40)
        .map(|_| {
            let (token, api) = (token.clone(), api.clone());
            tokio::spawn(async move { api.spend(&token, 1).await })
        })
        .collect();
    let mut spent = 0;
    for spend in spends {
        let response = spend.await.unwrap().unwrap();
        match response.status {
            201 => spent += 1,
            400 => assert_eq!(
                response.text(),
                r#"{"success":false,"message":["Concurrent modification conflict after retries"]}"#
            ),
            other => panic!("unexpected {other}: {}", response.text()),
        }
    }
    credits.await.unwrap();

    let expected = 100 + 50 * 100 - spent;
    wait_for_balance_logged(&service, &api, &token, expected)
        .await
        .unwrap();
    assert!(spent > 0, "some spends went through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_welcome_and_an_order_arriving_together_create_the_account_once_with_150() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let users: Vec<String> = (0..30).map(|_| fresh_user_id("simultaneous")).collect();

    for pair in users.chunks(5) {
        let entries: Vec<PutEntry> = pair
            .iter()
            .flat_map(|user| {
                [
                    PutEntry::order_completed_v1(user, "FIRST"),
                    PutEntry::user_created(user),
                ]
            })
            .collect();
        api.publish(&entries).await.unwrap();
    }

    for user in &users {
        wait_for_balance_logged(&service, &api, &service.token_for(user), 150)
            .await
            .unwrap();
    }
}
