//! Idempotent credits (welcome bonus, orders): each key credits an account at most once (F5, F6, F7).

use crate::core::credit::{CREDIT_RECORD_TTL_MS, CreditDecision, decide_credit};
use crate::core::incoming::CreditCommand;
use crate::ports::{AccountStore, ChangeReason, Clock, StoreError};
use crate::use_cases::error::LoyaltyError;
use crate::use_cases::retry::{Attempt, retry_on_conflict};

/// The result of a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditOutcome {
    /// The credit was applied; the new balance.
    Credited(i64),
    /// The key had been credited before; the current balance.
    AlreadyCredited(i64),
}

/// Applies `command` once: the balance change, its `CREDIT#` record and the change record are one transaction.
pub async fn credit_points<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    command: &CreditCommand,
) -> Result<CreditOutcome, LoyaltyError> {
    let user_id = command.user_id.as_str();
    retry_on_conflict("credit", user_id, || async move {
        let now_ms = clock.now_ms();
        let account = store.load_account(user_id).await?;
        let recorded = store.credit_recorded(user_id, &command.key, now_ms).await?;
        let change = match decide_credit(user_id, account.as_ref(), &command.key, recorded) {
            CreditDecision::AlreadyCredited { points } => {
                return Ok(Attempt::Done(CreditOutcome::AlreadyCredited(points)));
            }
            CreditDecision::Apply(change) => change,
        };
        let reason = ChangeReason::Credit {
            key: command.key.clone(),
            expires_at_ms: now_ms + CREDIT_RECORD_TTL_MS,
        };
        match store.commit_change(&change, &reason, now_ms).await {
            Ok(()) => Ok(Attempt::Done(CreditOutcome::Credited(change.new_points))),
            Err(StoreError::Conflict(_)) => Ok(Attempt::Conflict),
            Err(other) => Err(other.into()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::Notify;

    use super::*;
    use crate::adapters::embedded::{Database, SqliteAccountStore};
    use crate::core::credit::CreditKey;
    use crate::ports::SystemClock;

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
}
