//! SQLite persistence. Every change is written in one transaction and committed before the
//! service acknowledges it; WAL mode keeps commits cheap and readers unblocked.

use std::path::Path;

use rusqlite::{Connection, params};
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

/// The SQLite store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY,
    function_name TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    header TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS executions_by_name ON executions(function_name, name);
CREATE TABLE IF NOT EXISTS operations (
    arn TEXT NOT NULL,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (arn, id)
);
CREATE TABLE IF NOT EXISTS events (
    arn TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (arn, event_id)
);
";

fn json_err(e: serde_json::Error) -> ServiceError {
    ServiceError::Internal(format!("stored JSON is invalid: {e}"))
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path, durability: Durability) -> ServiceResult<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// Writes the header, the given operations and the new events in one transaction.
    pub fn save(
        &mut self,
        exec: &Execution,
        changed_ops: &[String],
        events: &[Value],
    ) -> ServiceResult<()> {
        let tx = self.conn.transaction()?;
        let h = &exec.header;
        let header = serde_json::to_string(h).map_err(json_err)?;
        tx.execute(
            "INSERT INTO executions (arn, function_name, name, status, start_ms, header)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(arn) DO UPDATE SET status = excluded.status, header = excluded.header",
            params![
                h.arn,
                h.function_name,
                h.name,
                h.status.as_str(),
                h.start_ms,
                header
            ],
        )?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO operations (arn, id, pos, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(arn, id) DO UPDATE SET data = excluded.data",
            )?;
            for id in changed_ops {
                let (Some(pos), Some(op)) = (exec.index.get(id), exec.op(id)) else {
                    continue;
                };
                let data = serde_json::to_string(op).map_err(json_err)?;
                stmt.execute(params![h.arn, id, *pos as i64, data])?;
            }
            let mut ev =
                tx.prepare_cached("INSERT INTO events (arn, event_id, data) VALUES (?1, ?2, ?3)")?;
            let first = h.event_count - events.len() as i64;
            for (i, e) in events.iter().enumerate() {
                let data = serde_json::to_string(e).map_err(json_err)?;
                ev.execute(params![h.arn, first + i as i64 + 1, data])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Loads every execution with its operations.
    pub fn load_all(&self) -> ServiceResult<Vec<Execution>> {
        let mut stmt = self
            .conn
            .prepare("SELECT header FROM executions ORDER BY start_ms")?;
        let headers = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut ops_stmt = self
            .conn
            .prepare("SELECT data FROM operations WHERE arn = ?1 ORDER BY pos")?;
        let mut out = Vec::with_capacity(headers.len());
        for h in headers {
            let header: ExecutionHeader = serde_json::from_str(&h).map_err(json_err)?;
            let ops = ops_stmt
                .query_map([&header.arn], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?
                .iter()
                .map(|d| serde_json::from_str::<StoredOp>(d).map_err(json_err))
                .collect::<ServiceResult<Vec<_>>>()?;
            out.push(Execution::from_parts(header, ops));
        }
        Ok(out)
    }

    /// The history events of an execution, in order.
    pub fn events(&self, arn: &str) -> ServiceResult<Vec<Value>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT event_id, data FROM events WHERE arn = ?1 ORDER BY event_id")?;
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
