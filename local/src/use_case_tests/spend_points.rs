//! `loyalty_service::use_cases::spend_points` against the SQLite adapters.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::embedded::{Database, SqliteAccountStore};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::core::spend::SpendAmount;
use loyalty_service::ports::AccountStore;
use loyalty_service::ports::SystemClock;
use loyalty_service::use_cases::credit_points;
use loyalty_service::use_cases::error::LoyaltyError;
use loyalty_service::use_cases::spend_points::*;

async fn store_with_balance(points_in_fifties: usize) -> (tempfile::TempDir, SqliteAccountStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(&dir.path().join("loyalty.sqlite3")).unwrap());
    let store = SqliteAccountStore::new(db, Arc::new(Notify::new()));
    for i in 0..points_in_fifties {
        let command = CreditCommand {
            user_id: "u1".into(),
            key: CreditKey::Order(format!("o{i}")),
        };
        credit_points(&store, &SystemClock, &command).await.unwrap();
    }
    (dir, store)
}

fn request(points: i64, key: Option<&str>) -> SpendRequest {
    SpendRequest {
        user_id: "u1".into(),
        amount: SpendAmount::new(points).unwrap(),
        idempotency_key: key.map(str::to_owned),
    }
}

#[tokio::test]
async fn spending_reduces_the_balance_and_refuses_more_than_it() {
    let (_dir, store) = store_with_balance(3).await;
    let outcome = spend_points(&store, &SystemClock, &request(30, None))
        .await
        .unwrap();
    assert_eq!((outcome.account.points, outcome.replayed), (120, false));
    let refused = spend_points(&store, &SystemClock, &request(121, None)).await;
    assert!(
        matches!(refused, Err(LoyaltyError::InsufficientPoints { ref current }) if current.points == 120)
    );
    let (_dir2, empty) = store_with_balance(0).await;
    assert_eq!(
        spend_points(&empty, &SystemClock, &request(1, None)).await,
        Err(LoyaltyError::NotFound)
    );
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_first_response_and_spends_once() {
    let (_dir, store) = store_with_balance(2).await;
    let first = spend_points(&store, &SystemClock, &request(30, Some("k1")))
        .await
        .unwrap();
    let second = spend_points(&store, &SystemClock, &request(30, Some("k1")))
        .await
        .unwrap();
    assert_eq!((first.account.points, first.replayed), (70, false));
    assert_eq!((second.account.points, second.replayed), (70, true));
    assert_eq!(store.load_account("u1").await.unwrap().unwrap().points, 70);
    assert_eq!(
        spend_points(&store, &SystemClock, &request(10, Some("k1"))).await,
        Err(LoyaltyError::IdempotencyKeyReused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_spends_of_the_full_balance_spend_it_exactly_once() {
    let (_dir, store) = store_with_balance(2).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(
                async move { spend_points(&store, &SystemClock, &request(100, None)).await },
            )
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                successes += 1;
                assert_eq!(outcome.account.points, 0);
            }
            Err(LoyaltyError::InsufficientPoints { current }) => assert_eq!(current.points, 0),
            Err(LoyaltyError::ConflictAfterRetries) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(successes, 1);
    assert_eq!(store.load_account("u1").await.unwrap().unwrap().points, 0);
}
