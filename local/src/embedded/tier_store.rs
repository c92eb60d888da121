//! [`TierStore`] on SQLite, in the service's database file (table `tiers`).

use std::sync::Arc;

use rusqlite::{OptionalExtension, params};

use crate::embedded::database::Database;
use crate::embedded::error::EmbeddedError;
use loyalty_service::tier_workflow::ports::tier_store::{TierRecord, TierStore, TierStoreError};
use loyalty_service::tier_workflow::tier::Tier;

/// The SQLite tier store. Cloning shares the database.
#[derive(Debug, Clone)]
pub struct SqliteTierStore {
    db: Arc<Database>,
}

impl SqliteTierStore {
    /// A store over `db` (the `tiers` table is part of the schema).
    pub fn new(db: Arc<Database>) -> Self {
        Self { db }
    }
}

impl From<EmbeddedError> for TierStoreError {
    fn from(error: EmbeddedError) -> Self {
        TierStoreError::Backend(error.to_string())
    }
}

/// A failure inside a tier write's transaction: SQLite's own, or the store's refusal.
enum TierWriteError {
    Sql(rusqlite::Error),
    Refused(TierStoreError),
}

impl From<rusqlite::Error> for TierWriteError {
    fn from(error: rusqlite::Error) -> Self {
        TierWriteError::Sql(error)
    }
}

impl From<TierWriteError> for TierStoreError {
    fn from(error: TierWriteError) -> Self {
        match error {
            TierWriteError::Sql(error) => backend(error),
            TierWriteError::Refused(error) => error,
        }
    }
}

fn backend(error: rusqlite::Error) -> TierStoreError {
    TierStoreError::Backend(error.to_string())
}

fn read_tier(
    connection: &rusqlite::Connection,
    user_id: &str,
) -> Result<Option<TierRecord>, rusqlite::Error> {
    connection
        .prepare_cached(
            "SELECT tier, points_at_upgrade, upgraded_at, tier_version, notified_at FROM tiers WHERE user_id = ?1",
        )?
        .query_row([user_id], |row| {
            Ok(TierRecord {
                user_id: user_id.to_owned(),
                tier: Tier::from_stored(row.get::<_, Option<String>>(0)?.as_deref()),
                points_at_upgrade: row.get(1)?,
                upgraded_at: row.get(2)?,
                version: row.get(3)?,
                notified_at: row.get(4)?,
            })
        })
        .optional()
}

impl TierStore for SqliteTierStore {
    async fn load_tier(&self, user_id: &str) -> Result<Option<TierRecord>, TierStoreError> {
        self.db.read(|c| read_tier(c, user_id)).map_err(backend)
    }

    async fn save_tier(
        &self,
        user_id: &str,
        tier: Tier,
        points_at_upgrade: i64,
        expected_version: i64,
        upgraded_at: &str,
    ) -> Result<TierRecord, TierStoreError> {
        let saved = self.db.write(|tx| {
            let actual = read_tier(tx, user_id)?.map_or(0, |t| t.version);
            if actual != expected_version {
                return Err(TierWriteError::Refused(TierStoreError::VersionConflict {
                    user_id: user_id.to_owned(),
                    expected: expected_version,
                    actual,
                }));
            }
            let version = expected_version + 1;
            // A full replace, like the original's PutItem: a later upgrade removes NotifiedAt.
            tx.prepare_cached(
                "INSERT OR REPLACE INTO tiers (user_id, tier, points_at_upgrade, upgraded_at, tier_version, notified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            )?
            .execute(params![user_id, tier.name(), points_at_upgrade, upgraded_at, version])?;
            Ok(TierRecord {
                user_id: user_id.to_owned(),
                tier,
                points_at_upgrade,
                upgraded_at: upgraded_at.to_owned(),
                version,
                notified_at: None,
            })
        });
        Ok(saved?)
    }

    async fn record_notified(
        &self,
        user_id: &str,
        version: i64,
        notified_at: &str,
    ) -> Result<bool, TierStoreError> {
        self.db
            .write(|tx| {
                let stamped = tx
                .prepare_cached(
                    "UPDATE tiers SET notified_at = ?2 WHERE user_id = ?1 AND tier_version = ?3",
                )?
                .execute(params![user_id, notified_at, version])?;
                Ok(stamped == 1)
            })
            .map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteTierStore) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("loyalty.sqlite3")).unwrap();
        (dir, SqliteTierStore::new(Arc::new(db)))
    }

    #[tokio::test]
    async fn the_first_upgrade_creates_version_1_and_a_stale_version_is_a_conflict() {
        let (_dir, store) = store();
        assert_eq!(store.load_tier("u1").await.unwrap(), None);
        let saved = store
            .save_tier("u1", Tier::Silver, 520, 0, "2026-11-24T10:00:00.000Z")
            .await
            .unwrap();
        assert_eq!((saved.tier, saved.version), (Tier::Silver, 1));
        let conflict = store
            .save_tier("u1", Tier::Gold, 1600, 0, "2026-11-24T10:00:01.000Z")
            .await
            .unwrap_err();
        assert_eq!(
            conflict,
            TierStoreError::VersionConflict {
                user_id: "u1".into(),
                expected: 0,
                actual: 1
            }
        );
        assert_eq!(
            store.load_tier("u1").await.unwrap().unwrap().tier,
            Tier::Silver
        );
    }

    #[tokio::test]
    async fn notified_at_is_set_on_the_item_and_a_later_upgrade_removes_it() {
        let (_dir, store) = store();
        store
            .save_tier("u1", Tier::Silver, 520, 0, "2026-11-24T10:00:00.000Z")
            .await
            .unwrap();
        assert!(
            store
                .record_notified("u1", 1, "2026-11-24T10:00:05.000Z")
                .await
                .unwrap()
        );
        let item = store.load_tier("u1").await.unwrap().unwrap();
        assert_eq!(
            item.notified_at.as_deref(),
            Some("2026-11-24T10:00:05.000Z")
        );
        store
            .save_tier("u1", Tier::Gold, 1500, 1, "2026-11-24T11:00:00.000Z")
            .await
            .unwrap();
        let item = store.load_tier("u1").await.unwrap().unwrap();
        assert_eq!(
            (item.tier, item.version, item.notified_at),
            (Tier::Gold, 2, None)
        );
        assert!(
            !store
                .record_notified("nobody", 1, "2026-11-24T11:00:00.000Z")
                .await
                .unwrap()
        );
        assert_eq!(store.load_tier("nobody").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_late_acknowledgement_of_an_older_execution_does_not_stamp_the_newer_item() {
        let (_dir, store) = store();
        // Execution A saves Silver (version 1); execution B saves Gold (version 2) before A's acknowledgement.
        store
            .save_tier("u1", Tier::Silver, 520, 0, "2026-11-24T10:00:00.000Z")
            .await
            .unwrap();
        store
            .save_tier("u1", Tier::Gold, 1500, 1, "2026-11-24T10:01:00.000Z")
            .await
            .unwrap();
        let stamped = store
            .record_notified("u1", 1, "2026-11-24T10:02:00.000Z")
            .await
            .unwrap();
        assert!(!stamped, "A's acknowledgement matches no item");
        let item = store.load_tier("u1").await.unwrap().unwrap();
        assert_eq!(
            (item.tier, item.version, item.notified_at),
            (Tier::Gold, 2, None)
        );
        assert!(
            store
                .record_notified("u1", 2, "2026-11-24T10:03:00.000Z")
                .await
                .unwrap()
        );
        let item = store.load_tier("u1").await.unwrap().unwrap();
        assert_eq!(
            item.notified_at.as_deref(),
            Some("2026-11-24T10:03:00.000Z")
        );
    }
}
