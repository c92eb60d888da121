//! The bus archive: every event the bus accepted, like an EventBridge archive.

use serde::Serialize;
use serde_json::Value;

use crate::embedded::database::Database;
use crate::embedded::error::EmbeddedError;

/// An event of the archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchivedEvent {
    /// The EventBridge event id.
    pub event_id: String,
    /// `source`.
    pub source: String,
    /// `detail-type`.
    pub detail_type: String,
    /// The detail.
    pub detail: Value,
    /// When the bus accepted it, ISO-8601 with milliseconds.
    pub time: String,
}

/// Visits every archived event, oldest first, without parsing its detail: `(event_id, source, detail_type,
/// detail JSON text, time)`. Used by `loyalty-local events`, which must stay fast on large archives.
pub fn visit_archive(
    db: &Database,
    mut visit: impl FnMut(&str, &str, &str, &str, &str) -> std::io::Result<()>,
) -> Result<usize, EmbeddedError> {
    db.read(|c| {
        let mut statement = c.prepare(
            "SELECT event_id, source, detail_type, detail, time FROM archive ORDER BY seq",
        )?;
        let mut rows = statement.query([])?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let text = |i: usize| {
                row.get_ref(i)
                    .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
            };
            visit(text(0)?, text(1)?, text(2)?, text(3)?, text(4)?).map_err(|source| {
                EmbeddedError::Io {
                    context: "writing the archive".into(),
                    source,
                }
            })?;
            count += 1;
        }
        Ok(count)
    })
}

/// Every archived event, oldest first (used by `loyalty-local events`).
pub fn list_archive(db: &Database) -> Result<Vec<ArchivedEvent>, EmbeddedError> {
    db.read(|c| {
        let rows: Vec<(String, String, String, String, String)> = c
            .prepare(
                "SELECT event_id, source, detail_type, detail, time FROM archive ORDER BY seq",
            )?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(event_id, source, detail_type, detail, time)| {
                let detail = serde_json::from_str(&detail).map_err(|e| {
                    EmbeddedError::Corrupt(format!("archived detail of {event_id}: {e}"))
                })?;
                Ok(ArchivedEvent {
                    event_id,
                    source,
                    detail_type,
                    detail,
                    time,
                })
            })
            .collect()
    })
}
