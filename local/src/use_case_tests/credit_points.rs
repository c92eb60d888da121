//! `loyalty_service::use_cases::credit_points` against the SQLite adapters.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::embedded::{Database, SqliteAccountStore};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::ports::AccountStore;
use loyalty_service::ports::SystemClock;
use loyalty_service::use_cases::credit_points::*;
use loyalty_service::use_cases::error::LoyaltyError;

fn store() -> (tempfile::TempDir, SqliteAccountStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(&dir.path().join("loyalty.sqlite3")).unwrap());
    (dir, SqliteAccountStore::new(db, Arc::new(Notify::new())))
}

fn order(user: &str, id: &str) -> CreditCommand {
    CreditCommand {
        user_id: user.into(),
        key: CreditKey::Order(id.into()),
    }
}

#[tokio::test]
async fn an_order_before_the_welcome_bonus_gives_150_after_both() {
    let (_dir, store) = store();
    assert_eq!(
        credit_points(&store, &SystemClock, &order("u1", "o1")).await,
        Ok(CreditOutcome::Credited(50))
    );
    let welcome = CreditCommand {
        user_id: "u1".into(),
        key: CreditKey::WelcomeBonus,
    };
    assert_eq!(
        credit_points(&store, &SystemClock, &welcome).await,
        Ok(CreditOutcome::Credited(150))
    );
    assert_eq!(
        credit_points(&store, &SystemClock, &welcome).await,
        Ok(CreditOutcome::AlreadyCredited(150))
    );
}

#[tokio::test]
async fn the_same_order_redelivered_is_credited_once() {
    let (_dir, store) = store();
    credit_points(&store, &SystemClock, &order("u1", "o1"))
        .await
        .unwrap();
    assert_eq!(
        credit_points(&store, &SystemClock, &order("u1", "o1")).await,
        Ok(CreditOutcome::AlreadyCredited(50))
    );
    assert_eq!(store.load_account("u1").await.unwrap().unwrap().version, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_credits_of_distinct_orders_never_lose_an_update() {
    let (_dir, store) = store();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                credit_points(&store, &SystemClock, &order("u1", &format!("o{i}"))).await
            })
        })
        .collect();
    let mut credited = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(CreditOutcome::Credited(_)) => credited += 1,
            Err(LoyaltyError::ConflictAfterRetries) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let account = store.load_account("u1").await.unwrap().unwrap();
    assert_eq!(account.points, 50 * credited);
    assert_eq!(account.version, credited);
}
