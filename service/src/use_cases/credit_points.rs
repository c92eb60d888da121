//! Idempotent credits (welcome bonus, orders): each key credits an account at most once (behaviour F5, F6, F7).

use crate::core::credit::{CREDIT_RECORD_TTL_MS, CreditDecision, decide_credit};
use crate::core::incoming::CreditCommand;
use crate::ports::{AccountStore, ChangeReason, Clock, StoreError};
use crate::use_cases::error::LoyaltyError;
use crate::use_cases::retry::{Attempt, retry_on_conflict};

/// The result of a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditOutcome {
    /// The credit was applied; the new balance.
    Credited(i64),
    /// The key had been credited before; the current balance.
    AlreadyCredited(i64),
}

/// Applies `command` once: the balance change, its `CREDIT#` record and the change record are one transaction.
pub async fn credit_points<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    command: &CreditCommand,
) -> Result<CreditOutcome, LoyaltyError> {
    let user_id = command.user_id.as_str();
    retry_on_conflict("credit", user_id, || async move {
        let now_ms = clock.now_ms();
        let account = store.load_account(user_id).await?;
        let recorded = store.credit_recorded(user_id, &command.key, now_ms).await?;
        let change = match decide_credit(user_id, account.as_ref(), &command.key, recorded) {
            CreditDecision::AlreadyCredited { points } => {
                return Ok(Attempt::Done(CreditOutcome::AlreadyCredited(points)));
            }
            CreditDecision::Apply(change) => change,
        };
        let reason = ChangeReason::Credit {
            key: command.key.clone(),
            expires_at_ms: now_ms + CREDIT_RECORD_TTL_MS,
        };
        match store.commit_change(&change, &reason, now_ms).await {
            Ok(()) => Ok(Attempt::Done(CreditOutcome::Credited(change.new_points))),
            Err(StoreError::Conflict(_)) => Ok(Attempt::Conflict),
            Err(other) => Err(other.into()),
        }
    })
    .await
}
