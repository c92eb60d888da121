//! [`AccountStore`] on SQLite: a balance change, its idempotency record and its outbox row in one transaction.

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};
use tokio::sync::Notify;

use crate::embedded::account_writes::{
    CommitError, spend_receipt_id, write_account, write_change_record, write_reason,
};
use crate::embedded::database::Database;
use crate::embedded::error::EmbeddedError;
use loyalty_service::core::account::{Account, BalanceChange};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::ports::{AccountStore, ChangeReason, SpendReceipt, StoreError};

/// The SQLite account store. Cloning shares the database.
#[derive(Debug, Clone)]
pub struct SqliteAccountStore {
    db: Arc<Database>,
    outbox_signal: Arc<Notify>,
}

impl SqliteAccountStore {
    /// A store over `db`; `outbox_signal` is notified after every committed change (wakes the stream processor).
    pub fn new(db: Arc<Database>, outbox_signal: Arc<Notify>) -> Self {
        Self { db, outbox_signal }
    }

    /// Deletes expired credit records and spend receipts; returns how many went.
    pub fn purge_expired(&self, now_ms: i64) -> Result<usize, EmbeddedError> {
        self.db.write(|tx| {
            let credits = tx.execute("DELETE FROM credits WHERE expires_at_ms <= ?1", [now_ms])?;
            let receipts = tx.execute(
                "DELETE FROM spend_receipts WHERE expires_at_ms <= ?1",
                [now_ms],
            )?;
            Ok::<_, EmbeddedError>(credits + receipts)
        })
    }

    /// Stores an account as the original service left it: points and its `Orders` JSON list (a migration import).
    pub fn import_legacy_account(
        &self,
        user_id: &str,
        points: i64,
        version: i64,
        orders_json: &str,
    ) -> Result<(), EmbeddedError> {
        let orders: Vec<String> = serde_json::from_str(orders_json)
            .map_err(|e| EmbeddedError::Corrupt(format!("Orders of {user_id}: {e}")))?;
        let normalised =
            serde_json::to_string(&orders).map_err(|e| EmbeddedError::Corrupt(e.to_string()))?;
        self.db.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO accounts (user_id, points, version, legacy_orders, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, 0)",
                params![user_id, points, version, normalised],
            )?;
            Ok::<_, EmbeddedError>(())
        })
    }
}

impl SqliteAccountStore {
    fn commit_all(
        &self,
        changes: &[BalanceChange],
        reasons: &[ChangeReason],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let result = self.db.write(|tx| {
            for (index, (change, reason)) in changes.iter().zip(reasons).enumerate() {
                let at = |e: CommitError| match e {
                    CommitError::Conflict => CommitError::ConflictAt(index),
                    other => other,
                };
                write_account(tx, change, now_ms).map_err(at)?;
                write_reason(tx, change, reason, now_ms).map_err(at)?;
                write_change_record(tx, change, now_ms)?;
            }
            Ok::<_, CommitError>(())
        });
        match result {
            Ok(()) => {
                self.outbox_signal.notify_one();
                Ok(())
            }
            Err(CommitError::Conflict) => Err(StoreError::Conflict(changes[0].user_id.clone())),
            Err(CommitError::ConflictAt(index)) => {
                Err(StoreError::Conflict(changes[index].user_id.clone()))
            }
            Err(CommitError::Sqlite(e)) => Err(EmbeddedError::from(e).into()),
        }
    }
}

impl AccountStore for SqliteAccountStore {
    async fn load_account(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        let row = self.db.read(|c| {
            c.prepare_cached(
                "SELECT points, version, legacy_orders FROM accounts WHERE user_id = ?1",
            )?
            .query_row([user_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .optional()
            .map_err(EmbeddedError::from)
        })?;
        let Some((points, version, legacy)) = row else {
            return Ok(None);
        };
        let legacy_orders = if legacy == "[]" {
            Vec::new()
        } else {
            serde_json::from_str(&legacy).map_err(|e| {
                StoreError::Backend(format!("unreadable legacy Orders of {user_id}: {e}"))
            })?
        };
        Ok(Some(Account {
            user_id: user_id.to_owned(),
            points,
            version,
            legacy_orders,
        }))
    }

    async fn credit_recorded(
        &self,
        user_id: &str,
        key: &CreditKey,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let id = key.record_id(user_id);
        let found = self.db.read(|c| {
            c.prepare_cached("SELECT 1 FROM credits WHERE id = ?1 AND expires_at_ms > ?2")?
                .exists(params![id, now_ms])
                .map_err(EmbeddedError::from)
        })?;
        Ok(found)
    }

    async fn spend_receipt(
        &self,
        user_id: &str,
        idempotency_key: &str,
        now_ms: i64,
    ) -> Result<Option<SpendReceipt>, StoreError> {
        let id = spend_receipt_id(user_id, idempotency_key);
        let receipt = self.db.read(|c| {
            c.prepare_cached(
                "SELECT points_requested, points_after, expires_at_ms FROM spend_receipts
                 WHERE id = ?1 AND expires_at_ms > ?2",
            )?
            .query_row(params![id, now_ms], |r| {
                Ok(SpendReceipt {
                    idempotency_key: idempotency_key.to_owned(),
                    points_requested: r.get(0)?,
                    points_after: r.get(1)?,
                    expires_at_ms: r.get(2)?,
                })
            })
            .optional()
            .map_err(EmbeddedError::from)
        })?;
        Ok(receipt)
    }

    async fn commit_change(
        &self,
        change: &BalanceChange,
        reason: &ChangeReason,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.commit_all(
            std::slice::from_ref(change),
            std::slice::from_ref(reason),
            now_ms,
        )
    }

    async fn commit_changes(
        &self,
        changes: &[(BalanceChange, ChangeReason)],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (changes, reasons): (Vec<BalanceChange>, Vec<ChangeReason>) =
            changes.iter().cloned().unzip();
        self.commit_all(&changes, &reasons, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_service::core::credit::CREDIT_RECORD_TTL_MS;

    fn store() -> (tempfile::TempDir, SqliteAccountStore) {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open(&dir.path().join("loyalty.sqlite3")).unwrap());
        (dir, SqliteAccountStore::new(db, Arc::new(Notify::new())))
    }

    fn count(store: &SqliteAccountStore, sql: &str) -> i64 {
        store
            .db
            .read(|c| c.query_row(sql, [], |r| r.get(0)))
            .map_err(|e: rusqlite::Error| e)
            .unwrap()
    }

    fn credit(key: &str, now: i64) -> ChangeReason {
        ChangeReason::Credit {
            key: CreditKey::Order(key.into()),
            expires_at_ms: now + CREDIT_RECORD_TTL_MS,
        }
    }

    #[tokio::test]
    async fn a_credit_commits_the_balance_its_record_and_a_change_record_together() {
        let (_dir, store) = store();
        let change = Account::empty("u1").change_to(50);
        store
            .commit_change(&change, &credit("o1", 1_000), 1_000)
            .await
            .unwrap();

        let account = store.load_account("u1").await.unwrap().unwrap();
        assert_eq!((account.points, account.version), (50, 1));
        assert!(
            store
                .credit_recorded("u1", &CreditKey::Order("o1".into()), 1_000)
                .await
                .unwrap()
        );
        assert!(
            !store
                .credit_recorded("u1", &CreditKey::WelcomeBonus, 1_000)
                .await
                .unwrap()
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM outbox WHERE user_id = 'u1' AND new_points = 50"
            ),
            1
        );
    }

    #[tokio::test]
    async fn a_stale_version_is_a_conflict_and_writes_nothing() {
        let (_dir, store) = store();
        let first = Account::empty("u1").change_to(50);
        store
            .commit_change(&first, &credit("o1", 0), 0)
            .await
            .unwrap();
        // A second writer that also read "no account" loses.
        let stale = Account::empty("u1").change_to(100);
        let result = store
            .commit_change(
                &stale,
                &ChangeReason::Credit {
                    key: CreditKey::WelcomeBonus,
                    expires_at_ms: 10,
                },
                0,
            )
            .await;
        assert_eq!(result, Err(StoreError::Conflict("u1".into())));
        assert_eq!(store.load_account("u1").await.unwrap().unwrap().points, 50);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox"), 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM credits"), 1);
    }

    #[tokio::test]
    async fn an_existing_credit_record_makes_the_whole_change_roll_back() {
        let (_dir, store) = store();
        store
            .commit_change(&Account::empty("u1").change_to(50), &credit("o1", 0), 0)
            .await
            .unwrap();
        let account = store.load_account("u1").await.unwrap().unwrap();
        let again = store
            .commit_change(&account.change_to(100), &credit("o1", 0), 0)
            .await;
        assert_eq!(again, Err(StoreError::Conflict("u1".into())));
        assert_eq!(store.load_account("u1").await.unwrap().unwrap().version, 1);
    }

    #[tokio::test]
    async fn credit_records_expire_and_are_purged() {
        let (_dir, store) = store();
        let reason = ChangeReason::Credit {
            key: CreditKey::Order("o1".into()),
            expires_at_ms: 5_000,
        };
        store
            .commit_change(&Account::empty("u1").change_to(50), &reason, 0)
            .await
            .unwrap();
        assert!(
            store
                .credit_recorded("u1", &CreditKey::Order("o1".into()), 4_999)
                .await
                .unwrap()
        );
        assert!(
            !store
                .credit_recorded("u1", &CreditKey::Order("o1".into()), 5_000)
                .await
                .unwrap()
        );
        assert_eq!(store.purge_expired(5_000).unwrap(), 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM credits"), 0);
    }

    #[tokio::test]
    async fn a_legacy_account_keeps_its_orders_list_for_reading() {
        let (_dir, store) = store();
        store
            .import_legacy_account("u1", 150, 2, r#"["new-user","ORD-1"]"#)
            .unwrap();
        let account = store.load_account("u1").await.unwrap().unwrap();
        assert_eq!(
            account.legacy_orders,
            vec!["new-user".to_string(), "ORD-1".to_string()]
        );
        assert_eq!((account.points, account.version), (150, 2));
    }
}
