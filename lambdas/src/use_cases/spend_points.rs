//! `POST /loyalty`: spending points, optionally idempotent with an `Idempotency-Key` (F4), with optimistic locking
//! and jittered backoff (F7).

use crate::core::account::Account;
use crate::core::spend::{SpendAmount, SpendRefusal, decide_spend};
use crate::ports::{AccountStore, ChangeReason, Clock, SpendReceipt, StoreError};
use crate::use_cases::error::LoyaltyError;
use crate::use_cases::retry::{Attempt, retry_on_conflict};

/// How long a spend receipt answers repeated requests (F4).
pub const SPEND_RECEIPT_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// A validated spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRequest {
    /// The caller (JWT `sub`).
    pub user_id: String,
    /// The amount.
    pub amount: SpendAmount,
    /// The client's `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
}

/// A successful spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendOutcome {
    /// The account after the spend (for a replay: as the first response reported it).
    pub account: Account,
    /// True when this answers a repeated `Idempotency-Key` without spending again.
    pub replayed: bool,
}

fn replay(
    user_id: &str,
    receipt: &SpendReceipt,
    amount: SpendAmount,
) -> Result<SpendOutcome, LoyaltyError> {
    if receipt.points_requested != amount.get() {
        return Err(LoyaltyError::IdempotencyKeyReused);
    }
    Ok(SpendOutcome {
        account: Account {
            user_id: user_id.to_owned(),
            points: receipt.points_after,
            version: 0,
            legacy_orders: Vec::new(),
        },
        replayed: true,
    })
}

/// Spends `request.amount` from the caller's balance, once per idempotency key within 24 hours.
pub async fn spend_points<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    request: &SpendRequest,
) -> Result<SpendOutcome, LoyaltyError> {
    let user_id = request.user_id.as_str();
    retry_on_conflict("spend", user_id, || async move {
        let now_ms = clock.now_ms();
        if let Some(key) = &request.idempotency_key
            && let Some(receipt) = store.spend_receipt(user_id, key, now_ms).await?
        {
            return replay(user_id, &receipt, request.amount).map(Attempt::Done);
        }
        let account = store.load_account(user_id).await?;
        let change =
            decide_spend(account.as_ref(), request.amount).map_err(|refusal| match refusal {
                SpendRefusal::NotFound => LoyaltyError::NotFound,
                SpendRefusal::InsufficientPoints { current } => {
                    LoyaltyError::InsufficientPoints { current }
                }
            })?;
        let receipt = request.idempotency_key.as_ref().map(|key| SpendReceipt {
            idempotency_key: key.clone(),
            points_requested: request.amount.get(),
            points_after: change.new_points,
            expires_at_ms: now_ms + SPEND_RECEIPT_TTL_MS,
        });
        match store
            .commit_change(&change, &ChangeReason::Spend { receipt }, now_ms)
            .await
        {
            Ok(()) => Ok(Attempt::Done(SpendOutcome {
                account: change.resulting_account(),
                replayed: false,
            })),
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
    use crate::core::incoming::CreditCommand;
    use crate::ports::SystemClock;
    use crate::use_cases::credit_points;

    async fn store_with_balance(
        points_in_fifties: usize,
    ) -> (tempfile::TempDir, SqliteAccountStore) {
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
                tokio::spawn(async move {
                    spend_points(&store, &SystemClock, &request(100, None)).await
                })
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
}
