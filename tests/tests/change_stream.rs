//! The change stream (behaviour F8): an increase publishes `loyalty.pointsAdded.v1` + `.v2`, a decrease
//! `loyalty.pointsSpent.v1`, each with the real difference; an unchanged balance publishes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use loyalty_tests::cli::{ArchivedEvent, bus_archive, wait_for_archive};
use loyalty_tests::scenario::BOTH_ORDER_QUEUES;
use loyalty_tests::{LoyaltyApi, PutEntry, RunningService, fresh_user_id};
use loyalty_tests::{wait_behind_markers, wait_for_balance_logged, welcome_and_wait};
use serde_json::{Value, json};

const ADDED_V1: &str = "loyalty.pointsAdded.v1";
const ADDED_V2: &str = "loyalty.pointsAdded.v2";
const SPENT_V1: &str = "loyalty.pointsSpent.v1";

fn published_by_loyalty<'a>(events: &'a [ArchivedEvent], user: &str) -> Vec<&'a ArchivedEvent> {
    events
        .iter()
        .filter(|event| event.source == "dev.loyalty" && event.is_for_user(user))
        .collect()
}

fn data_of(events: &[&ArchivedEvent], detail_type: &str) -> Vec<Value> {
    let mut data: Vec<Value> = events
        .iter()
        .filter(|e| e.detail_type == detail_type)
        .map(|e| e.detail["data"].clone())
        .collect();
    data.sort_by_key(|d| {
        d["totalPoints"]
            .as_i64()
            .or_else(|| d["newPointsTotal"].as_i64())
    });
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credits_and_spends_are_published_with_the_real_difference() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("streamed");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();
    api.publish(&[
        PutEntry::order_completed_v1(&user, "S-1"),
        PutEntry::order_completed_v2(&user, "S-1"),
    ])
    .await
    .unwrap();
    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
    assert_eq!(api.spend(&token, 30).await.unwrap().status, 201);

    let events = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "five published events",
        Duration::from_secs(15),
        |events| {
            let mine = published_by_loyalty(events, &user);
            if mine.len() >= 5 {
                Ok(mine.into_iter().cloned().collect::<Vec<_>>())
            } else {
                Err(format!("{mine:?}"))
            }
        },
    )
    .await;
    let events = service.with_logs(events).unwrap();
    let events: Vec<&ArchivedEvent> = events.iter().collect();

    assert_eq!(
        data_of(&events, ADDED_V1),
        vec![
            json!({"newPointsTotal": 100, "userId": user}),
            json!({"newPointsTotal": 150, "userId": user})
        ]
    );
    assert_eq!(
        data_of(&events, ADDED_V2),
        vec![
            json!({"userId": user, "totalPoints": 100, "difference": 100}),
            json!({"userId": user, "totalPoints": 150, "difference": 50}),
        ]
    );
    assert_eq!(
        data_of(&events, SPENT_V1),
        vec![json!({"userId": user, "totalPoints": 120, "difference": -30})]
    );
    assert_eq!(events.len(), 5, "nothing else was published: {events:?}");

    for event in &events {
        let detail = &event.detail;
        assert_eq!(
            detail["type"],
            json!(event.detail_type),
            "DetailType equals the CloudEvent type: {detail}"
        );
        assert_eq!(detail["source"], json!("loyalty"), "{detail}");
        assert_eq!(detail["specversion"], json!("1.0"), "{detail}");
        assert_eq!(
            detail["datacontenttype"],
            json!("application/json"),
            "{detail}"
        );
        assert!(
            detail["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{detail}"
        );
        assert!(
            detail["time"]
                .as_str()
                .is_some_and(|time| time.ends_with('Z')),
            "{detail}"
        );
    }
    for deprecated in events.iter().filter(|e| e.detail_type == ADDED_V1) {
        assert_eq!(
            deprecated.detail["supercededby"],
            json!(ADDED_V2),
            "{:?}",
            deprecated.detail
        );
        assert_eq!(
            deprecated.detail["deprecationdate"],
            json!("2025-12-31T00:00:00.000Z"),
            "{:?}",
            deprecated.detail
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_order_publishes_nothing() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("unchanged");
    let token = service.token_for(&user);
    api.publish(&[
        PutEntry::user_created(&user),
        PutEntry::order_completed_v1(&user, "D-1"),
    ])
    .await
    .unwrap();
    wait_for_balance_logged(&service, &api, &token, 150)
        .await
        .unwrap();
    let before = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "two pointsAdded.v2",
        Duration::from_secs(15),
        |events| {
            let added = data_of(&published_by_loyalty(events, &user), ADDED_V2);
            if added.len() == 2 {
                Ok(added)
            } else {
                Err(format!("{added:?}"))
            }
        },
    )
    .await;
    service.with_logs(before).unwrap();

    api.publish(&[
        PutEntry::order_completed_v1(&user, "D-1"),
        PutEntry::order_completed_v2(&user, "D-1"),
    ])
    .await
    .unwrap();
    wait_behind_markers(&service, &api, BOTH_ORDER_QUEUES)
        .await
        .unwrap();
    // The markers' own changes are published after ours would have been: wait until they are on the bus.
    wait_for_archive(
        service.binary(),
        service.data_dir(),
        "the markers' pointsAdded",
        Duration::from_secs(15),
        |events| {
            let markers = events
                .iter()
                .filter(|e| {
                    e.detail_type == ADDED_V2 && e.detail["data"]["totalPoints"] == json!(50)
                })
                .count();
            if markers >= 2 {
                Ok(())
            } else {
                Err(format!("{markers} marker events"))
            }
        },
    )
    .await
    .unwrap();

    let mine = published_by_loyalty(
        &bus_archive(service.binary(), service.data_dir())
            .await
            .unwrap(),
        &user,
    )
    .into_iter()
    .cloned()
    .collect::<Vec<_>>();
    let mine: Vec<&ArchivedEvent> = mine.iter().collect();
    assert_eq!(data_of(&mine, ADDED_V2).len(), 2, "{mine:?}");
    assert_eq!(data_of(&mine, ADDED_V1).len(), 2, "{mine:?}");
    assert!(data_of(&mine, SPENT_V1).is_empty());
    assert_eq!(api.balance(&token).await.unwrap(), Some(150));
}
