//! The embedded adapters' error type.

use loyalty_service::ports::StoreError;

/// Failures of the SQLite-backed components.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed (creating the data directory).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file's schema could not be brought to this version's (e.g. it was written by a newer version).
    #[error("cannot use the schema of {path}: {reason}")]
    Schema {
        /// The database file.
        path: String,
        /// What the migration reported.
        reason: String,
    },
    /// The database file is damaged, or could not be checked, created or moved aside.
    #[error(transparent)]
    Database(#[from] local_guard::sqlite::Error),
    /// Stored data that cannot be read back.
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl EmbeddedError {
    /// True for SQLite's transient "database is busy / locked".
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

impl From<EmbeddedError> for StoreError {
    fn from(error: EmbeddedError) -> Self {
        if error.is_busy() {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Backend(error.to_string())
        }
    }
}
