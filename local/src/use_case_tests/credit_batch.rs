//! `loyalty_service::use_cases::credit_batch` against the SQLite adapters.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::embedded::{Database, SqliteAccountStore};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::ports::SystemClock;
use loyalty_service::ports::{AccountStore, Clock};
use loyalty_service::use_cases::credit_batch::*;
use loyalty_service::use_cases::credit_points::{CreditOutcome, credit_points};

fn store() -> (tempfile::TempDir, Arc<Database>, SqliteAccountStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(&dir.path().join("loyalty.sqlite3")).unwrap());
    (
        dir,
        db.clone(),
        SqliteAccountStore::new(db, Arc::new(Notify::new())),
    )
}

fn order(user: &str, id: &str) -> CreditCommand {
    CreditCommand {
        user_id: user.into(),
        key: CreditKey::Order(id.into()),
    }
}

fn count(db: &Database, sql: &str) -> i64 {
    db.read(|c| c.query_row(sql, [], |r| r.get(0)))
        .map_err(|e: rusqlite::Error| e)
        .unwrap()
}

#[tokio::test]
async fn a_batch_with_duplicates_and_several_users_credits_each_key_once_with_chained_versions() {
    let (_dir, db, store) = store();
    let welcome = CreditCommand {
        user_id: "u1".into(),
        key: CreditKey::WelcomeBonus,
    };
    let commands = [
        order("u1", "o1"),
        order("u2", "o1"),
        order("u1", "o1"),
        welcome.clone(),
        order("u1", "o2"),
    ];
    let results = credit_points_batch(&store, &SystemClock, &commands).await;
    assert_eq!(
        results,
        [
            Ok(CreditOutcome::Credited(50)),
            Ok(CreditOutcome::Credited(50)),
            Ok(CreditOutcome::AlreadyCredited(50)),
            Ok(CreditOutcome::Credited(150)),
            Ok(CreditOutcome::Credited(200)),
        ]
    );
    let u1 = store.load_account("u1").await.unwrap().unwrap();
    assert_eq!((u1.points, u1.version), (200, 3));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM outbox"), 4);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM credits"), 4);
    // A redelivered batch changes nothing.
    let again = credit_points_batch(&store, &SystemClock, &commands[..2]).await;
    assert_eq!(
        again,
        [
            Ok(CreditOutcome::AlreadyCredited(200)),
            Ok(CreditOutcome::AlreadyCredited(50))
        ]
    );
}

#[tokio::test]
async fn a_batch_that_conflicts_falls_back_to_one_by_one_and_loses_nothing() {
    let (_dir, db, store) = store();
    credit_points(&store, &SystemClock, &order("u1", "o1"))
        .await
        .unwrap();
    // A credit record that exists without having been seen by the plan: the batch commit conflicts.
    db.write(|tx| {
        tx.execute(
            "INSERT INTO credits VALUES ('CREDIT#u1#ORDER#o3', 'u1', 50, 0, 9223372036854775807)",
            [],
        )
    })
    .unwrap();
    let commands = [order("u1", "o2"), order("u1", "o3")];
    let (changes, _) = plan(&store, &SystemClock, &commands).await.unwrap();
    assert_eq!(changes.len(), 1, "the plan already sees o3's record");
    db.write(|tx| tx.execute("DELETE FROM credits WHERE id = 'CREDIT#u1#ORDER#o3'", []))
        .unwrap();
    let planned = plan(&store, &SystemClock, &commands).await.unwrap();
    assert_eq!(planned.0.len(), 2);
    // Someone else credits o3 between the plan and the commit.
    credit_points(&store, &SystemClock, &order("u1", "o3"))
        .await
        .unwrap();
    assert!(
        store
            .commit_changes(&planned.0, SystemClock.now_ms())
            .await
            .is_err()
    );
    let results = credit_points_batch(&store, &SystemClock, &commands).await;
    assert_eq!(
        results,
        [
            Ok(CreditOutcome::Credited(150)),
            Ok(CreditOutcome::AlreadyCredited(150))
        ]
    );
    assert_eq!(store.load_account("u1").await.unwrap().unwrap().points, 150);
}
