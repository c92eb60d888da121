//! A batch of credits (one SQS batch) applied in one transaction when nothing conflicts, falling back to one credit
//! at a time (with optimistic-lock retries) when something does. Same outcome as [`credit_points`] per command, at a
//! fraction of the commits.

use std::collections::{HashMap, HashSet};

use crate::core::account::Account;
use crate::core::credit::{CREDIT_RECORD_TTL_MS, CreditDecision, decide_credit};
use crate::core::incoming::CreditCommand;
use crate::ports::{AccountStore, ChangeReason, Clock};
use crate::use_cases::credit_points::{CreditOutcome, credit_points};
use crate::use_cases::error::LoyaltyError;

/// Applies `commands` in order; one result per command.
pub async fn credit_points_batch<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    commands: &[CreditCommand],
) -> Vec<Result<CreditOutcome, LoyaltyError>> {
    match plan(store, clock, commands).await {
        Ok((changes, outcomes)) => match store.commit_changes(&changes, clock.now_ms()).await {
            Ok(()) => return outcomes.into_iter().map(Ok).collect(),
            Err(error) => tracing::debug!(%error, "batch commit failed; crediting one by one"),
        },
        Err(error) => tracing::debug!(%error, "batch planning failed; crediting one by one"),
    }
    let mut results = Vec::with_capacity(commands.len());
    for command in commands {
        results.push(credit_points(store, clock, command).await);
    }
    results
}

type Plan = (
    Vec<(crate::core::account::BalanceChange, ChangeReason)>,
    Vec<CreditOutcome>,
);

/// Decides every command against the stored state plus the earlier commands of the batch.
async fn plan<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    commands: &[CreditCommand],
) -> Result<Plan, LoyaltyError> {
    let now_ms = clock.now_ms();
    let mut accounts: HashMap<&str, Option<Account>> = HashMap::new();
    let mut credited: HashSet<(&str, String)> = HashSet::new();
    let mut changes = Vec::new();
    let mut outcomes = Vec::with_capacity(commands.len());
    for command in commands {
        let user_id = command.user_id.as_str();
        let account = match accounts.get(user_id) {
            Some(account) => account.clone(),
            None => store.load_account(user_id).await?,
        };
        let key = command.key.namespaced();
        let recorded = credited.contains(&(user_id, key.clone()))
            || store.credit_recorded(user_id, &command.key, now_ms).await?;
        match decide_credit(user_id, account.as_ref(), &command.key, recorded) {
            CreditDecision::AlreadyCredited { points } => {
                outcomes.push(CreditOutcome::AlreadyCredited(points));
                accounts.insert(user_id, account);
            }
            CreditDecision::Apply(change) => {
                let mut after = change.resulting_account();
                after.legacy_orders = account.map(|a| a.legacy_orders).unwrap_or_default();
                outcomes.push(CreditOutcome::Credited(change.new_points));
                accounts.insert(user_id, Some(after));
                credited.insert((user_id, key));
                let reason = ChangeReason::Credit {
                    key: command.key.clone(),
                    expires_at_ms: now_ms + CREDIT_RECORD_TTL_MS,
                };
                changes.push((change, reason));
            }
        }
    }
    Ok((changes, outcomes))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::Notify;

    use super::*;
    use crate::adapters::embedded::{Database, SqliteAccountStore};
    use crate::core::credit::CreditKey;
    use crate::ports::SystemClock;

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
    async fn a_batch_with_duplicates_and_several_users_credits_each_key_once_with_chained_versions()
    {
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
}
