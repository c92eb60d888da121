//! The statements of one balance change: the conditional account write, the reason's record (credit or spend
//! receipt) and the change record. A conflict in either conditional write makes the caller roll back.

use rusqlite::{Transaction, params};

use loyalty_service::core::account::BalanceChange;
use loyalty_service::ports::ChangeReason;

pub(crate) fn spend_receipt_id(user_id: &str, key: &str) -> String {
    format!("SPEND#{user_id}#{key}")
}

pub(crate) enum CommitError {
    Conflict,
    ConflictAt(usize),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for CommitError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

pub(crate) fn write_account(
    tx: &Transaction<'_>,
    change: &BalanceChange,
    now_ms: i64,
) -> Result<(), CommitError> {
    let changed = if change.expected_version == 0 {
        // A new account, or one stored without a version (the original's `attribute_not_exists(Version)`).
        tx.prepare_cached(
            "INSERT INTO accounts (user_id, points, version, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id) DO UPDATE SET points = excluded.points, version = excluded.version,
                 updated_at_ms = excluded.updated_at_ms
             WHERE accounts.version = 0",
        )?
        .execute(params![change.user_id, change.new_points, change.new_version, now_ms])?
    } else {
        tx.prepare_cached(
            "UPDATE accounts SET points = ?2, version = ?3, updated_at_ms = ?4 WHERE user_id = ?1 AND version = ?5",
        )?
        .execute(params![
            change.user_id,
            change.new_points,
            change.new_version,
            now_ms,
            change.expected_version
        ])?
    };
    if changed == 1 {
        Ok(())
    } else {
        Err(CommitError::Conflict)
    }
}

pub(crate) fn write_reason(
    tx: &Transaction<'_>,
    change: &BalanceChange,
    reason: &ChangeReason,
    now_ms: i64,
) -> Result<(), CommitError> {
    let changed = match reason {
        ChangeReason::Credit { key, expires_at_ms } => tx
            .prepare_cached(
                "INSERT INTO credits (id, user_id, points, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET points = excluded.points, created_at_ms = excluded.created_at_ms,
                     expires_at_ms = excluded.expires_at_ms
                 WHERE credits.expires_at_ms <= ?4",
            )?
            .execute(params![key.record_id(&change.user_id), change.user_id, key.points(), now_ms, expires_at_ms])?,
        ChangeReason::Spend { receipt: None } => 1,
        ChangeReason::Spend { receipt: Some(receipt) } => tx
            .prepare_cached(
                "INSERT INTO spend_receipts (id, user_id, idempotency_key, points_requested, points_after,
                     created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET points_requested = excluded.points_requested,
                     points_after = excluded.points_after, created_at_ms = excluded.created_at_ms,
                     expires_at_ms = excluded.expires_at_ms
                 WHERE spend_receipts.expires_at_ms <= ?6",
            )?
            .execute(params![
                spend_receipt_id(&change.user_id, &receipt.idempotency_key),
                change.user_id,
                receipt.idempotency_key,
                receipt.points_requested,
                receipt.points_after,
                now_ms,
                receipt.expires_at_ms
            ])?,
    };
    if changed == 1 {
        Ok(())
    } else {
        Err(CommitError::Conflict)
    }
}

pub(crate) fn write_change_record(
    tx: &Transaction<'_>,
    change: &BalanceChange,
    now_ms: i64,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO outbox (user_id, old_points, new_points, expected_version, new_version, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        change.user_id,
        change.old_points,
        change.new_points,
        change.expected_version,
        change.new_version,
        now_ms
    ])?;
    Ok(())
}
