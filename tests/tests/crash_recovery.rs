//! Nothing is lost on a crash: after `kill -9` during a burst of order events, a restart on the same data directory
//! credits every order exactly once and publishes every change; SIGTERM drains and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loyalty_tests::cli::{dead_letters, wait_for_archive};
use loyalty_tests::scenario::BOTH_ORDER_QUEUES;
use loyalty_tests::{LoyaltyApi, PutEntry, RunningService, fresh_user_id, wait_until};
use loyalty_tests::{wait_behind_markers, wait_for_balance_logged, welcome_and_wait};

const ORDERS: usize = 1_000;
/// EventBridge accepts at most 10 entries per `PutEvents`.
const ORDERS_PER_CALL: usize = 10;
/// The crash comes once this many calls have been accepted, while the burst goes on.
const CALLS_BEFORE_CRASH: usize = 40;

fn order_batch(user: &str, call: usize) -> Vec<PutEntry> {
    (call * ORDERS_PER_CALL..(call + 1) * ORDERS_PER_CALL)
        .map(|n| {
            let order = format!("ORD-{n:04}");
            if n % 2 == 0 {
                PutEntry::order_completed_v1(user, &order)
            } else {
                PutEntry::order_completed_v2(user, &order)
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_during_a_burst_of_1000_orders_credits_every_order_exactly_once_after_restart() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("crash");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();

    let calls = ORDERS / ORDERS_PER_CALL;
    let accepted = Arc::new(Mutex::new(vec![false; calls]));
    let burst = {
        let (accepted, user) = (Arc::clone(&accepted), user.clone());
        tokio::spawn(async move {
            for call in 0..calls {
                if api.publish(&order_batch(&user, call)).await.is_err() {
                    return; // the server is gone; the rest is sent after the restart
                }
                accepted.lock().unwrap()[call] = true;
            }
        })
    };
    wait_until(
        "the burst to be under way",
        Duration::from_secs(60),
        || async {
            let count = accepted
                .lock()
                .unwrap()
                .iter()
                .filter(|done| **done)
                .count();
            Ok(if count >= CALLS_BEFORE_CRASH {
                Ok(())
            } else {
                Err(format!("{count} calls accepted"))
            })
        },
    )
    .await
    .unwrap();
    let options = service.options().clone();
    let data_dir = service.kill_hard().await.unwrap();
    burst.await.unwrap();
    let unsent: Vec<usize> = accepted
        .lock()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, done)| !**done)
        .map(|(call, _)| call)
        .collect();
    assert!(
        !unsent.is_empty(),
        "the crash came during the burst, not after it"
    );

    let service = RunningService::restart(options, data_dir).await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    // A call that was in flight at the crash may or may not have been accepted: the producer sends it again, and
    // the per-order idempotency makes that safe.
    for call in unsent {
        api.publish(&order_batch(&user, call)).await.unwrap();
    }

    let expected = 100 + 50 * ORDERS as i64;
    service
        .with_logs(
            api.wait_for_balance(&token, expected, Duration::from_secs(120))
                .await,
        )
        .unwrap();
    wait_behind_markers(&service, &api, BOTH_ORDER_QUEUES)
        .await
        .unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), Some(expected));
    assert!(
        dead_letters(service.binary(), service.data_dir())
            .await
            .unwrap()
            .is_empty()
    );

    // Every change reached the bus (at least once: a record published just before the crash may be published
    // again), and the changes add up to the balance.
    let changes = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "pointsAdded up to the balance",
        Duration::from_secs(60),
        |events| {
            let mut by_total = BTreeMap::new();
            for event in events
                .iter()
                .filter(|e| e.is_for_user(&user) && e.detail_type == "loyalty.pointsAdded.v2")
            {
                let data = &event.detail["data"];
                by_total.insert(
                    data["totalPoints"].as_i64().unwrap_or(-1),
                    data["difference"].as_i64().unwrap_or(0),
                );
            }
            if by_total.last_key_value().map(|(total, _)| *total) == Some(expected) {
                Ok(by_total)
            } else {
                Err(format!("{} changes", by_total.len()))
            }
        },
    )
    .await;
    let changes = service.with_logs(changes).unwrap();
    assert_eq!(
        changes.values().sum::<i64>(),
        expected,
        "the published differences add up to the balance"
    );
    assert_eq!(
        changes.keys().next(),
        Some(&100),
        "the first change is the welcome bonus"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_exits_0_and_a_restart_credits_everything() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("graceful");
    let token = welcome_and_wait(&service, &api, &user).await.unwrap();
    assert_eq!(api.spend(&token, 25).await.unwrap().status, 201);
    let calls = 20;
    for call in 0..calls {
        api.publish(&order_batch(&user, call)).await.unwrap();
    }

    let options = service.options().clone();
    let (status, data_dir) = service.terminate().await.unwrap();
    assert_eq!(status.code(), Some(0), "a drained stop exits 0");

    let service = RunningService::restart(options, data_dir).await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let expected = 75 + 50 * (calls * ORDERS_PER_CALL) as i64;
    service
        .with_logs(
            api.wait_for_balance(&token, expected, Duration::from_secs(60))
                .await,
        )
        .unwrap();
    assert!(
        dead_letters(service.binary(), service.data_dir())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_right_after_spends_still_publishes_every_pointsspent_after_restart() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let user = fresh_user_id("crash-spender");
    let token = service.token_for(&user);
    api.publish(&[PutEntry::user_created(&user)]).await.unwrap();
    api.publish(&order_batch(&user, 0)).await.unwrap();
    wait_for_balance_logged(&service, &api, &token, 600)
        .await
        .unwrap();

    let spends: i64 = 200;
    for _ in 0..spends {
        assert_eq!(api.spend(&token, 1).await.unwrap().status, 201);
    }
    let options = service.options().clone();
    let data_dir = service.kill_hard().await.unwrap();

    let service = RunningService::restart(options, data_dir).await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    assert_eq!(api.balance(&token).await.unwrap(), Some(600 - spends));
    let spent = wait_for_archive(
        service.binary(),
        service.data_dir(),
        "every pointsSpent",
        Duration::from_secs(60),
        |events| {
            let mut by_total = BTreeMap::new();
            for event in events
                .iter()
                .filter(|e| e.is_for_user(&user) && e.detail_type == "loyalty.pointsSpent.v1")
            {
                let data = &event.detail["data"];
                by_total.insert(
                    data["totalPoints"].as_i64().unwrap_or(-1),
                    data["difference"].as_i64().unwrap_or(0),
                );
            }
            if by_total.len() as i64 == spends {
                Ok(by_total)
            } else {
                Err(format!("{} of {spends}", by_total.len()))
            }
        },
    )
    .await;
    let spent = service.with_logs(spent).unwrap();
    assert_eq!(spent.keys().next(), Some(&(600 - spends)));
    assert!(
        spent.values().all(|difference| *difference == -1),
        "{spent:?}"
    );
}
