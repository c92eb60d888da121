//! `POST /loyalty`: spending points, optionally idempotent with an `Idempotency-Key` (behaviour F4), with optimistic
//! locking and jittered backoff (behaviour F7).

use crate::core::account::Account;
use crate::core::spend::{SpendAmount, SpendRefusal, decide_spend};
use crate::ports::{AccountStore, ChangeReason, Clock, SpendReceipt, StoreError};
use crate::use_cases::error::LoyaltyError;
use crate::use_cases::retry::{Attempt, retry_on_conflict};

/// How long a spend receipt answers repeated requests (behaviour F4).
pub const SPEND_RECEIPT_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// A validated spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRequest {
    /// The caller (JWT `sub`).
    pub user_id: String,
    /// The amount.
    pub amount: SpendAmount,
    /// The client's `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
}

/// A successful spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendOutcome {
    /// The account after the spend (for a replay: as the first response reported it).
    pub account: Account,
    /// True when this answers a repeated `Idempotency-Key` without spending again.
    pub replayed: bool,
}

fn replay(
    user_id: &str,
    receipt: &SpendReceipt,
    amount: SpendAmount,
) -> Result<SpendOutcome, LoyaltyError> {
    if receipt.points_requested != amount.get() {
        return Err(LoyaltyError::IdempotencyKeyReused);
    }
    Ok(SpendOutcome {
        account: Account {
            user_id: user_id.to_owned(),
            points: receipt.points_after,
            version: 0,
            legacy_orders: Vec::new(),
        },
        replayed: true,
    })
}

/// Spends `request.amount` from the caller's balance, once per idempotency key within 24 hours.
pub async fn spend_points<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    request: &SpendRequest,
) -> Result<SpendOutcome, LoyaltyError> {
    let user_id = request.user_id.as_str();
    retry_on_conflict("spend", user_id, || async move {
        let now_ms = clock.now_ms();
        if let Some(key) = &request.idempotency_key
            && let Some(receipt) = store.spend_receipt(user_id, key, now_ms).await?
        {
            return replay(user_id, &receipt, request.amount).map(Attempt::Done);
        }
        let account = store.load_account(user_id).await?;
        let change =
            decide_spend(account.as_ref(), request.amount).map_err(|refusal| match refusal {
                SpendRefusal::NotFound => LoyaltyError::NotFound,
                SpendRefusal::InsufficientPoints { current } => {
                    LoyaltyError::InsufficientPoints { current }
                }
            })?;
        let receipt = request.idempotency_key.as_ref().map(|key| SpendReceipt {
            idempotency_key: key.clone(),
            points_requested: request.amount.get(),
            points_after: change.new_points,
            expires_at_ms: now_ms + SPEND_RECEIPT_TTL_MS,
        });
        match store
            .commit_change(&change, &ChangeReason::Spend { receipt }, now_ms)
            .await
        {
            Ok(()) => Ok(Attempt::Done(SpendOutcome {
                account: change.resulting_account(),
                replayed: false,
            })),
            Err(StoreError::Conflict(_)) => Ok(Attempt::Conflict),
            Err(other) => Err(other.into()),
        }
    })
    .await
}
