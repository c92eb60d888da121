//! SQLite persistence. Every change is written in one transaction and committed before the
//! service acknowledges it; WAL mode keeps commits cheap and readers unblocked.
//!
//! The file is checked before it is opened (`local_guard::sqlite`): a damaged database is refused
//! (or moved aside on request) instead of starting empty. A fresh one is built under another
//! name and renamed into place with its schema. Dropping the store checkpoints the write-ahead
//! log into the main file.

use std::collections::HashMap;
use std::path::Path;

use local_guard::sqlite::{self, MovedAside, OnDamage};
use rusqlite::{Connection, params};
use rusqlite_migration::{M, Migrations, SchemaVersion};
use serde_json::Value;

use crate::error::{ServiceError, ServiceResult};
use crate::model::{Execution, ExecutionHeader, StoredOp};

/// How hard SQLite syncs each commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL` in WAL mode: a commit survives a process crash (`kill -9`); the
    /// last commits may be lost on power failure. The default, as for most local services.
    #[default]
    ProcessCrash,
    /// `synchronous=FULL`: every commit is fsynced, so it also survives power failure.
    PowerLoss,
}

/// The row of `execution_headers` to write.
#[derive(Debug, Clone)]
pub(crate) struct HeaderRow {
    function_name: String,
    name: String,
    status: &'static str,
    start_ms: i64,
    header: String,
}

/// One serialized change waiting for the next group commit.
#[derive(Debug, Clone)]
pub(crate) struct PendingWrite {
    arn: String,
    header: Option<HeaderRow>,
    ops: Vec<(String, i64, String)>,
    events: Vec<(i64, String)>,
}

impl PendingWrite {
    /// The execution it changes.
    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }
}

/// The SQLite store.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Connection,
    /// The integer key (`execution_headers.key`) of each execution written or loaded.
    keys: HashMap<String, i64>,
}

/// The schema's history, oldest first; `PRAGMA user_version` counts the steps a database has
/// taken. Steps are only ever appended: a released step never changes.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // 1: executions, and their operations and events, keyed by ARN.
        M::up(
            "CREATE TABLE executions (
                arn TEXT PRIMARY KEY,
                function_name TEXT NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                start_ms INTEGER NOT NULL,
                header TEXT NOT NULL
            );
            CREATE UNIQUE INDEX executions_by_name ON executions(function_name, name);
            CREATE TABLE operations (
                arn TEXT NOT NULL,
                id TEXT NOT NULL,
                pos INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (arn, id)
            ) WITHOUT ROWID;
            CREATE TABLE events (
                arn TEXT NOT NULL,
                event_id INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (arn, event_id)
            ) WITHOUT ROWID;",
        ),
        // 2: operations and events keyed by the execution's integer key instead of its ARN. New
        // executions get increasing keys, so their rows are appended at the right edge of each
        // B-tree and a checkpoint rewrites about half as many pages as with random ARN-prefixed
        // keys. `key` is an INTEGER PRIMARY KEY so it survives VACUUM. The new tables may exist
        // already, empty: a database of step 1 whose move was interrupted before its commit.
        M::up(
            "CREATE TABLE IF NOT EXISTS execution_headers (
                key INTEGER PRIMARY KEY,
                arn TEXT NOT NULL UNIQUE,
                function_name TEXT NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                start_ms INTEGER NOT NULL,
                header TEXT NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS execution_headers_by_name
                ON execution_headers(function_name, name);
            CREATE TABLE IF NOT EXISTS execution_operations (
                execution INTEGER NOT NULL,
                id TEXT NOT NULL,
                pos INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (execution, id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS execution_events (
                execution INTEGER NOT NULL,
                event_id INTEGER NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (execution, event_id)
            ) WITHOUT ROWID;
            INSERT INTO execution_headers (arn, function_name, name, status, start_ms, header)
                SELECT arn, function_name, name, status, start_ms, header
                FROM executions ORDER BY rowid;
            INSERT INTO execution_operations (execution, id, pos, data)
                SELECT h.key, o.id, o.pos, o.data
                FROM operations o JOIN execution_headers h ON h.arn = o.arn;
            INSERT INTO execution_events (execution, event_id, data)
                SELECT h.key, v.event_id, v.data
                FROM events v JOIN execution_headers h ON h.arn = v.arn;
            DROP TABLE operations;
            DROP TABLE events;
            DROP TABLE executions;",
        ),
    ])
}

/// The schema version this code writes: the number of steps in [`migrations`].
const SCHEMA_VERSION: usize = 2;

/// Databases written before the schema was versioned have `user_version` 0 and the tables of
/// step 1 or step 2: record which, so the migrations continue from there.
fn adopt_unversioned(conn: &Connection) -> ServiceResult<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version != 0 {
        return Ok(());
    }
    let has_table = |name: &str| -> ServiceResult<bool> {
        let count: i64 = conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get(0),
        )?;
        Ok(count > 0)
    };
    // Step 1's tables win: the unversioned code moved them into step 2's in one transaction,
    // so while they exist, step 2's tables hold nothing.
    let adopted = if has_table("executions")? {
        1
    } else if has_table("execution_headers")? {
        2
    } else {
        return Ok(());
    };
    conn.pragma_update(None, "user_version", adopted)?;
    Ok(())
}

/// Brings the schema of `conn` to the latest step, refusing a database of a newer one.
fn migrate(conn: &mut Connection, path: &Path) -> ServiceResult<()> {
    adopt_unversioned(conn)?;
    let migrations = migrations();
    let schema_error = |e: rusqlite_migration::Error| {
        ServiceError::Internal(format!(
            "cannot migrate the schema of {}: {e}",
            path.display()
        ))
    };
    if let SchemaVersion::Outside(version) =
        migrations.current_version(conn).map_err(schema_error)?
    {
        return Err(ServiceError::Internal(format!(
            "{} has schema version {version}, newer than the {} this durable-local knows: \
             open it with the durable-local that wrote it or a later one",
            path.display(),
            SCHEMA_VERSION
        )));
    }
    migrations.to_latest(conn).map_err(schema_error)
}

fn json_err(e: serde_json::Error) -> ServiceError {
    ServiceError::Internal(format!("stored JSON is invalid: {e}"))
}

impl Store {
    /// Opens (creating if needed) the database at `path`, after checking it: a damaged one is
    /// refused, or with [`OnDamage::MoveAside`] moved aside (what moved is returned) and replaced
    /// by an empty one.
    pub(crate) fn open(
        path: &Path,
        durability: Durability,
        on_damage: OnDamage,
    ) -> ServiceResult<(Self, Option<MovedAside>)> {
        let moved = sqlite::ensure_intact(path, on_damage)?;
        sqlite::create(path, |conn| -> ServiceResult<()> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            migrate(conn, path)
        })?;
        let store = Self::open_connection(path, durability).map_err(|error| match error {
            // "Not a database" and "malformed" are damage.
            ServiceError::Storage(source) if sqlite::damage_in(path, &source).is_some() => {
                sqlite::Error::sqlite(path, source).into()
            }
            other => other,
        })?;
        Ok((store, moved))
    }

    fn open_connection(path: &Path, durability: Durability) -> ServiceResult<Self> {
        let mut conn = Connection::open(path)?;
        // One durable-local process owns the file: exclusive locking skips the per-transaction
        // file locks and makes a second server on the same file fail fast instead of racing.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        // Hot pages are rewritten by every checkpoint; a longer WAL lets one WAL checkpoint
        // copy each page once instead of once per 1000 frames.
        conn.pragma_update(None, "wal_autocheckpoint", 20_000)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        // The default page cache (2 MiB) on purpose: SQLite scans the whole page-cache hash
        // table at the end of many commits, so a 32 MiB cache cost ~7% of the CPU per checkpoint
        // (measured with perf on the throughput benchmark).
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, path)?;
        Ok(Self {
            conn,
            keys: HashMap::new(),
        })
    }

    /// Copies the write-ahead log into the database file and empties it (`PRAGMA
    /// wal_checkpoint(TRUNCATE)`): after it, the database file alone holds every commit.
    pub(crate) fn checkpoint_wal(&self) -> ServiceResult<()> {
        Ok(sqlite::checkpoint(&self.conn)?)
    }

    /// Serializes one change of `exec` for [`Store::write_batch`]; remembers the header it
    /// will write in `exec.persisted_header` so an unchanged header is not rewritten.
    pub(crate) fn prepare_write(
        exec: &mut Execution,
        changed_ops: &[String],
        events: &[Value],
    ) -> ServiceResult<PendingWrite> {
        let h = &exec.header;
        let header = serde_json::to_string(h).map_err(json_err)?;
        let header_row =
            (exec.persisted_header.as_deref() != Some(header.as_str())).then(|| HeaderRow {
                function_name: h.function_name.clone(),
                name: h.name.clone(),
                status: h.status.as_str(),
                start_ms: h.start_ms,
                header: header.clone(),
            });
        let mut ops = Vec::with_capacity(changed_ops.len());
        for id in changed_ops {
            if let (Some(pos), Some(op)) = (exec.index.get(id), exec.op(id)) {
                ops.push((
                    id.clone(),
                    *pos as i64,
                    serde_json::to_string(op).map_err(json_err)?,
                ));
            }
        }
        let first = h.event_count - events.len() as i64;
        let mut rows = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            rows.push((
                first + i as i64 + 1,
                serde_json::to_string(e).map_err(json_err)?,
            ));
        }
        let write = PendingWrite {
            arn: h.arn.clone(),
            header: header_row,
            ops,
            events: rows,
        };
        exec.persisted_header = Some(header);
        Ok(write)
    }

    /// Writes every pending change in one transaction (group commit).
    pub(crate) fn write_batch(&mut self, batch: &[PendingWrite]) -> ServiceResult<()> {
        let tx = self.conn.transaction()?;
        let mut new_keys = Vec::new();
        {
            let mut header_stmt = tx.prepare_cached(
                "INSERT INTO execution_headers (arn, function_name, name, status, start_ms, header)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(arn) DO UPDATE SET status = excluded.status, header = excluded.header",
            )?;
            let mut key_stmt =
                tx.prepare_cached("SELECT key FROM execution_headers WHERE arn = ?1")?;
            let mut op_stmt = tx.prepare_cached(
                "INSERT INTO execution_operations (execution, id, pos, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(execution, id) DO UPDATE SET data = excluded.data",
            )?;
            let mut event_stmt = tx.prepare_cached(
                "INSERT INTO execution_events (execution, event_id, data) VALUES (?1, ?2, ?3)",
            )?;
            for w in batch {
                if let Some(h) = &w.header {
                    header_stmt.execute(params![
                        w.arn,
                        h.function_name,
                        h.name,
                        h.status,
                        h.start_ms,
                        h.header
                    ])?;
                }
                let key = match self.keys.get(&w.arn) {
                    Some(k) => *k,
                    None => {
                        let k: i64 = key_stmt.query_row([&w.arn], |r| r.get(0))?;
                        new_keys.push((w.arn.clone(), k));
                        k
                    }
                };
                for (id, pos, data) in &w.ops {
                    op_stmt.execute(params![key, id, pos, data])?;
                }
                for (event_id, data) in &w.events {
                    event_stmt.execute(params![key, event_id, data])?;
                }
            }
        }
        tx.commit()?;
        // Only keys of committed rows are remembered: a rolled-back insert frees its key.
        self.keys.extend(new_keys);
        Ok(())
    }

    /// Loads one execution with its operations.
    pub(crate) fn load_one(&self, arn: &str) -> ServiceResult<Option<Execution>> {
        Ok(self.load_all()?.into_iter().find(|e| e.header.arn == arn))
    }

    /// Loads every execution with its operations.
    pub(crate) fn load_all(&self) -> ServiceResult<Vec<Execution>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, header FROM execution_headers ORDER BY start_ms")?;
        let headers = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut ops_stmt = self
            .conn
            .prepare("SELECT data FROM execution_operations WHERE execution = ?1 ORDER BY pos")?;
        let mut events_stmt = self.conn.prepare(
            "SELECT COALESCE(MAX(event_id), 0) FROM execution_events WHERE execution = ?1",
        )?;
        let mut out = Vec::with_capacity(headers.len());
        for (key, h) in headers {
            let mut header: ExecutionHeader = serde_json::from_str(&h).map_err(json_err)?;
            header.event_count = events_stmt.query_row([key], |r| r.get(0))?;
            let ops = ops_stmt
                .query_map([key], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?
                .iter()
                .map(|d| serde_json::from_str::<StoredOp>(d).map_err(json_err))
                .collect::<ServiceResult<Vec<_>>>()?;
            let mut exec = Execution::from_parts(header, ops);
            exec.persisted_header = Some(h);
            out.push(exec);
        }
        Ok(out)
    }

    /// The history events of an execution, in order.
    pub(crate) fn events(&self, arn: &str) -> ServiceResult<Vec<Value>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.event_id, v.data FROM execution_events v
             JOIN execution_headers h ON v.execution = h.key
             WHERE h.arn = ?1 ORDER BY v.event_id",
        )?;
        let rows = stmt
            .query_map([arn], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, d)| {
                let mut v: Value = serde_json::from_str(&d).map_err(json_err)?;
                if let Some(m) = v.as_object_mut() {
                    m.insert("EventId".into(), Value::from(id));
                }
                Ok(v)
            })
            .collect()
    }
}

impl Drop for Store {
    /// A clean stop: the log goes into the database file before the connection closes.
    fn drop(&mut self) {
        if let Err(error) = self.checkpoint_wal() {
            tracing::warn!(%error, "the write-ahead log could not be checkpointed on close");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ExecutionStatus, OperationStatus, OperationType};

    const FIRST_SCHEMA: &str = "
        CREATE TABLE executions (arn TEXT PRIMARY KEY, function_name TEXT NOT NULL,
            name TEXT NOT NULL, status TEXT NOT NULL, start_ms INTEGER NOT NULL,
            header TEXT NOT NULL);
        CREATE UNIQUE INDEX executions_by_name ON executions(function_name, name);
        CREATE TABLE operations (arn TEXT NOT NULL, id TEXT NOT NULL, pos INTEGER NOT NULL,
            data TEXT NOT NULL, PRIMARY KEY (arn, id)) WITHOUT ROWID;
        CREATE TABLE events (arn TEXT NOT NULL, event_id INTEGER NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY (arn, event_id)) WITHOUT ROWID;";

    /// The schema as the code before versioning created it (`CREATE TABLE IF NOT EXISTS`, no
    /// `user_version`), verbatim.
    const UNVERSIONED_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS execution_headers (
    key INTEGER PRIMARY KEY,
    arn TEXT NOT NULL UNIQUE,
    function_name TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    header TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS execution_headers_by_name
    ON execution_headers(function_name, name);
CREATE TABLE IF NOT EXISTS execution_operations (
    execution INTEGER NOT NULL,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (execution, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS execution_events (
    execution INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (execution, event_id)
) WITHOUT ROWID;
";

    const ARN: &str =
        "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/run-1/x";

    fn user_version(store: &Store) -> i64 {
        store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    fn header(arn: &str) -> ExecutionHeader {
        ExecutionHeader {
            arn: arn.into(),
            function_name: "f".into(),
            name: "run-1".into(),
            input: "{}".into(),
            status: ExecutionStatus::Running,
            result: None,
            error: None,
            start_ms: 1_000,
            end_ms: None,
            timeout_s: 60,
            deadline_ms: 61_000,
            parent: None,
            event_count: 0,
            invocations: 0,
        }
    }

    #[test]
    fn a_database_keyed_by_arn_is_migrated_with_its_operations_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let arn =
            "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/run-1/x";
        let op = StoredOp::new("op-1", OperationType::Step, OperationStatus::Started, 1_000);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(FIRST_SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO executions VALUES (?1, 'f', 'run-1', 'RUNNING', 1000, ?2)",
                params![arn, serde_json::to_string(&header(arn)).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO operations VALUES (?1, 'op-1', 0, ?2)",
                params![arn, serde_json::to_string(&op).unwrap()],
            )
            .unwrap();
            for id in 1..=2 {
                conn.execute(
                    "INSERT INTO events VALUES (?1, ?2, ?3)",
                    params![arn, id, format!(r#"{{"Name":"e{id}"}}"#)],
                )
                .unwrap();
            }
        }

        let store = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse)
            .unwrap()
            .0;

        assert_eq!(user_version(&store), 2);
        let execs = store.load_all().unwrap();
        assert_eq!(execs.len(), 1);
        assert_eq!(execs[0].header.arn, arn);
        assert_eq!(execs[0].header.event_count, 2);
        assert_eq!(execs[0].ops.len(), 1);
        assert_eq!(execs[0].ops[0].id, "op-1");
        assert_eq!(
            store.events(arn).unwrap(),
            vec![
                serde_json::json!({"Name": "e1", "EventId": 1}),
                serde_json::json!({"Name": "e2", "EventId": 2}),
            ]
        );
        let old_tables: i64 = store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('executions', 'operations', 'events')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_tables, 0);
    }

    #[test]
    fn the_migrations_apply_to_an_empty_database() {
        migrations().validate().unwrap();
    }

    #[test]
    fn a_new_database_gets_the_latest_schema_version_and_reopens_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");

        let created = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse)
            .unwrap()
            .0;
        assert_eq!(user_version(&created), SCHEMA_VERSION as i64);
        drop(created);
        let reopened = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse)
            .unwrap()
            .0;

        assert_eq!(user_version(&reopened), SCHEMA_VERSION as i64);
        assert!(reopened.load_all().unwrap().is_empty());
    }

    #[test]
    fn a_database_of_the_unversioned_current_schema_is_adopted_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("unversioned.db");
        let op = StoredOp::new("op-1", OperationType::Step, OperationStatus::Started, 1_000);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(UNVERSIONED_SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO execution_headers (arn, function_name, name, status, start_ms, header)
                 VALUES (?1, 'f', 'run-1', 'RUNNING', 1000, ?2)",
                params![ARN, serde_json::to_string(&header(ARN)).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO execution_operations VALUES (1, 'op-1', 0, ?1)",
                params![serde_json::to_string(&op).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO execution_events VALUES (1, 1, '{\"Name\":\"e1\"}')",
                [],
            )
            .unwrap();
        }

        let mut store = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse)
            .unwrap()
            .0;

        assert_eq!(user_version(&store), 2);
        let mut execs = store.load_all().unwrap();
        assert_eq!(execs.len(), 1);
        assert_eq!(execs[0].header.arn, ARN);
        assert_eq!(execs[0].header.event_count, 1);
        assert_eq!(execs[0].ops[0].id, "op-1");
        // And it takes new writes where it left off.
        let event = serde_json::json!({"Name": "e2"});
        execs[0].header.event_count += 1;
        let write = Store::prepare_write(&mut execs[0], &[], &[event]).unwrap();
        store.write_batch(&[write]).unwrap();
        assert_eq!(
            store.events(ARN).unwrap(),
            vec![
                serde_json::json!({"Name": "e1", "EventId": 1}),
                serde_json::json!({"Name": "e2", "EventId": 2}),
            ]
        );
    }

    #[test]
    fn a_database_of_a_newer_schema_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(UNVERSIONED_SCHEMA).unwrap();
            conn.pragma_update(None, "user_version", 7).unwrap();
        }

        let refused = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse).unwrap_err();

        assert_eq!(
            refused.to_string(),
            format!(
                "{} has schema version 7, newer than the 2 this durable-local knows: open it \
                 with the durable-local that wrote it or a later one",
                path.display()
            )
        );
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 7);
    }

    #[test]
    fn a_database_of_the_first_schema_whose_move_was_interrupted_is_moved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("interrupted.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(FIRST_SCHEMA).unwrap();
            conn.execute_batch(UNVERSIONED_SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO executions VALUES (?1, 'f', 'run-1', 'RUNNING', 1000, ?2)",
                params![ARN, serde_json::to_string(&header(ARN)).unwrap()],
            )
            .unwrap();
        }

        let store = Store::open(&path, Durability::ProcessCrash, OnDamage::Refuse)
            .unwrap()
            .0;

        assert_eq!(user_version(&store), 2);
        let execs = store.load_all().unwrap();
        assert_eq!(execs.len(), 1);
        assert_eq!(execs[0].header.arn, ARN);
    }
}
