//! The SQLite file: schema, one writer connection, a pool of reader connections.
//!
//! WAL mode lets readers run while the writer commits; `synchronous=NORMAL` keeps every committed transaction across
//! a process crash (`kill -9`), losing at most the last ones on a power cut. SQLite has one writer at a time anyway,
//! so a single writer connection behind a mutex is the fastest arrangement; reads come from a small pool and never
//! wait for it.
//!
//! A server opens the file with [`Database::open_checked`]: a damaged database (see `local_guard::sqlite`) is refused,
//! or moved aside on request, instead of starting empty. A fresh file is built under another name and renamed into
//! place with its schema, so an existing file always has one. A clean stop ([`Database::checkpoint`], and dropping
//! a database opened with [`Database::open_checked`]) copies the write-ahead log into the main file and empties it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use local_guard::sqlite::{self, MovedAside, OnDamage};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::embedded::error::EmbeddedError;

/// The schema as it first shipped. Every statement is `IF NOT EXISTS`, so a file written before schema versions
/// were recorded (version 0 with every table present) adopts it unchanged.
const SCHEMA_V1: &str = r#"
CREATE TABLE IF NOT EXISTS accounts (
    user_id        TEXT PRIMARY KEY,
    points         INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    legacy_orders  TEXT NOT NULL DEFAULT '[]',
    updated_at_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS credits (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    points         INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS credits_expiry ON credits (expires_at_ms);
CREATE TABLE IF NOT EXISTS spend_receipts (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    points_requested INTEGER NOT NULL,
    points_after     INTEGER NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    expires_at_ms    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             TEXT NOT NULL,
    old_points          INTEGER,
    new_points          INTEGER NOT NULL,
    expected_version    INTEGER NOT NULL,
    new_version         INTEGER NOT NULL,
    created_at_ms       INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms  INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT
);
CREATE TABLE IF NOT EXISTS queue_messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL UNIQUE,
    queue           TEXT NOT NULL,
    body            TEXT NOT NULL,
    event_id        TEXT,
    detail_type     TEXT,
    sent_at_ms      INTEGER NOT NULL,
    visible_at_ms   INTEGER NOT NULL,
    receive_count   INTEGER NOT NULL DEFAULT 0,
    receipt_handle  TEXT,
    last_error      TEXT
);
-- Receive walks a queue in send order and skips the few invisible (in-flight) messages; an index led by
-- visible_at_ms would make every receive sort the whole backlog.
DROP INDEX IF EXISTS queue_messages_ready;
CREATE INDEX IF NOT EXISTS queue_messages_in_order ON queue_messages (queue, seq);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    queue           TEXT NOT NULL,
    source_queue    TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    event_id        TEXT,
    detail_type     TEXT,
    reason          TEXT NOT NULL,
    body            TEXT NOT NULL,
    receive_count   INTEGER NOT NULL,
    dead_at_ms      INTEGER NOT NULL
);
-- Tier items (behaviour keep-dynamodb): one per user, created on the first upgrade.
CREATE TABLE IF NOT EXISTS tiers (
    user_id            TEXT PRIMARY KEY,
    tier               TEXT NOT NULL,
    points_at_upgrade  INTEGER NOT NULL,
    upgraded_at        TEXT NOT NULL,
    tier_version       INTEGER NOT NULL,
    notified_at        TEXT
);
CREATE TABLE IF NOT EXISTS archive (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT NOT NULL UNIQUE,
    bus             TEXT NOT NULL,
    source          TEXT NOT NULL,
    detail_type     TEXT NOT NULL,
    detail          TEXT NOT NULL,
    time            TEXT NOT NULL,
    received_at_ms  INTEGER NOT NULL
);
"#;

/// Every schema change, in order; a file records how many it has applied in `PRAGMA user_version`. Later changes
/// are appended here, never edited.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(SCHEMA_V1)])
}

/// Brings the schema of `connection` to the latest version.
fn migrate(connection: &mut Connection, path: &Path) -> Result<(), EmbeddedError> {
    migrations()
        .to_latest(connection)
        .map_err(|error| EmbeddedError::Schema {
            path: path.display().to_string(),
            reason: error.to_string(),
        })
}

/// The database file and its connections.
#[derive(Debug)]
pub struct Database {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    moved_aside: Option<MovedAside>,
    /// Opened by the server that owns the file ([`Database::open_checked`]): dropping it checkpoints the log. A
    /// command reading beside a running server does not (a checkpoint would hold up the server's writes).
    owner: bool,
}

fn configure(connection: &Connection) -> Result<(), rusqlite::Error> {
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Database {
    /// Opens (creating if needed) the database at `path`, in WAL mode, with the schema, without the start-up check:
    /// for the commands that read a data directory a server may be writing (`dlq`, `events`) and for tests.
    pub fn open(path: &Path) -> Result<Self, EmbeddedError> {
        Self::open_with(path, None)
    }

    /// Like [`Database::open`], after checking the file (`local_guard::sqlite::check`): a damaged database is
    /// refused ([`EmbeddedError::Database`], naming the file and how to recover), or with [`OnDamage::MoveAside`]
    /// moved aside ([`Database::moved_aside`]) and replaced by an empty one.
    pub fn open_checked(path: &Path, on_damage: OnDamage) -> Result<Self, EmbeddedError> {
        Self::open_with(path, Some(on_damage))
    }

    fn open_with(path: &Path, check: Option<OnDamage>) -> Result<Self, EmbeddedError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| EmbeddedError::Io {
                context: format!("creating {}", parent.display()),
                source,
            })?;
        }
        let moved_aside = match check {
            Some(on_damage) => sqlite::ensure_intact(path, on_damage)?,
            None => None,
        };
        sqlite::create(path, |connection| -> Result<(), EmbeddedError> {
            connection.pragma_update(None, "journal_mode", "WAL")?;
            migrate(connection, path)
        })?;
        let writer = Self::open_writer(path).map_err(|error| match error {
            // "Not a database" and "malformed" are damage.
            EmbeddedError::Sqlite(source) if sqlite::damage_in(path, &source).is_some() => {
                sqlite::Error::sqlite(path, source).into()
            }
            other => other,
        })?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            moved_aside,
            owner: check.is_some(),
        })
    }

    fn open_writer(path: &Path) -> Result<Connection, EmbeddedError> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        migrate(&mut writer, path)?;
        Ok(writer)
    }

    /// The damaged database moved aside when this one was opened, if any.
    pub fn moved_aside(&self) -> Option<&MovedAside> {
        self.moved_aside.as_ref()
    }

    /// A clean stop: copies the write-ahead log into the database file and empties it (`PRAGMA
    /// wal_checkpoint(TRUNCATE)`), so the file alone holds every commit. Later writes start a new log.
    pub fn checkpoint(&self) -> Result<(), EmbeddedError> {
        let connection = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(sqlite::checkpoint(&connection)?)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction on the writer; commits if it returns `Ok`, rolls back
    /// otherwise.
    pub fn write<T, E>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut connection = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    /// Runs `work` on a reader connection (each statement sees the latest committed state).
    pub fn read<T, E>(&self, work: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => {
                let connection = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                configure(&connection)?;
                connection
            }
        };
        let result = work(&connection);
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(connection);
        result
    }
}

impl Drop for Database {
    /// The owner's clean stop: closes the readers first (a read-only connection cannot checkpoint, and while one is
    /// open the writer's close cannot either), checkpoints the log, and the writer closes last (removing the empty
    /// log).
    fn drop(&mut self) {
        if !self.owner {
            return;
        }
        self.readers
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(error) = sqlite::checkpoint(writer) {
            tracing::warn!(path = %self.path.display(), %error, "the write-ahead log could not be checkpointed on close");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_created_in_wal_mode_with_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/loyalty.sqlite3");
        let db = Database::open(&path).unwrap();
        let mode: String = db
            .read(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .map_err(|e: rusqlite::Error| e)
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(path.exists());
    }

    fn user_version(db: &Database) -> i64 {
        db.read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .map_err(|e: rusqlite::Error| e)
            .unwrap()
    }

    #[test]
    fn the_schema_migrations_are_valid_and_a_new_file_records_its_version() {
        migrations().validate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("db.sqlite3")).unwrap();
        assert_eq!(user_version(&db), 1);
    }

    #[test]
    fn a_file_written_before_schema_versions_keeps_its_data_and_is_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            // What earlier versions left: the tables, some data, user_version 0.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA_V1).unwrap();
            c.execute("INSERT INTO accounts VALUES ('u1', 150, 2, '[]', 0)", [])
                .unwrap();
        }
        let db = Database::open(&path).unwrap();
        assert_eq!(user_version(&db), 1);
        let points: i64 = db
            .read(|c| {
                c.query_row(
                    "SELECT points FROM accounts WHERE user_id = 'u1'",
                    [],
                    |r| r.get(0),
                )
            })
            .map_err(|e: rusqlite::Error| e)
            .unwrap();
        assert_eq!(points, 150);
    }

    #[test]
    fn a_file_from_a_newer_schema_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        drop(Database::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 7)
            .unwrap();
        let error = Database::open(&path).unwrap_err();
        assert!(
            matches!(&error, EmbeddedError::Schema { path: p, .. } if p.ends_with("db.sqlite3")),
            "{error}"
        );
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("db.sqlite3")).unwrap();
        let result: Result<(), rusqlite::Error> = db.write(|tx| {
            tx.execute("INSERT INTO accounts VALUES ('u1', 1, 1, '[]', 0)", [])?;
            Err(rusqlite::Error::QueryReturnedNoRows)
        });
        assert!(result.is_err());
        let count: i64 = db
            .read(|c| c.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0)))
            .map_err(|e: rusqlite::Error| e)
            .unwrap();
        assert_eq!(count, 0);
    }
}
