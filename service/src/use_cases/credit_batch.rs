//! A batch of credits (one SQS batch) applied in one transaction when nothing conflicts, falling back to one credit
//! at a time (with optimistic-lock retries) when something does. Same outcome as [`credit_points`] per command, at a
//! fraction of the commits.

use std::collections::{HashMap, HashSet};

use crate::core::account::Account;
use crate::core::credit::{CREDIT_RECORD_TTL_MS, CreditDecision, decide_credit};
use crate::core::incoming::CreditCommand;
use crate::ports::{AccountStore, ChangeReason, Clock};
use crate::use_cases::credit_points::{CreditOutcome, credit_points};
use crate::use_cases::error::LoyaltyError;

/// Applies `commands` in order; one result per command.
pub async fn credit_points_batch<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    commands: &[CreditCommand],
) -> Vec<Result<CreditOutcome, LoyaltyError>> {
    match plan(store, clock, commands).await {
        Ok((changes, outcomes)) => match store.commit_changes(&changes, clock.now_ms()).await {
            Ok(()) => return outcomes.into_iter().map(Ok).collect(),
            Err(error) => tracing::debug!(%error, "batch commit failed; crediting one by one"),
        },
        Err(error) => tracing::debug!(%error, "batch planning failed; crediting one by one"),
    }
    let mut results = Vec::with_capacity(commands.len());
    for command in commands {
        results.push(credit_points(store, clock, command).await);
    }
    results
}

/// The planned balance changes (one per account) and each command's outcome, in command order.
pub type Plan = (
    Vec<(crate::core::account::BalanceChange, ChangeReason)>,
    Vec<CreditOutcome>,
);

/// Decides every command against the stored state plus the earlier commands of the batch, without writing.
pub async fn plan<S: AccountStore, C: Clock>(
    store: &S,
    clock: &C,
    commands: &[CreditCommand],
) -> Result<Plan, LoyaltyError> {
    let now_ms = clock.now_ms();
    let mut accounts: HashMap<&str, Option<Account>> = HashMap::new();
    let mut credited: HashSet<(&str, String)> = HashSet::new();
    let mut changes = Vec::new();
    let mut outcomes = Vec::with_capacity(commands.len());
    for command in commands {
        let user_id = command.user_id.as_str();
        let account = match accounts.get(user_id) {
            Some(account) => account.clone(),
            None => store.load_account(user_id).await?,
        };
        let key = command.key.namespaced();
        let recorded = credited.contains(&(user_id, key.clone()))
            || store.credit_recorded(user_id, &command.key, now_ms).await?;
        match decide_credit(user_id, account.as_ref(), &command.key, recorded) {
            CreditDecision::AlreadyCredited { points } => {
                outcomes.push(CreditOutcome::AlreadyCredited(points));
                accounts.insert(user_id, account);
            }
            CreditDecision::Apply(change) => {
                let mut after = change.resulting_account();
                after.legacy_orders = account.map(|a| a.legacy_orders).unwrap_or_default();
                outcomes.push(CreditOutcome::Credited(change.new_points));
                accounts.insert(user_id, Some(after));
                credited.insert((user_id, key));
                let reason = ChangeReason::Credit {
                    key: command.key.clone(),
                    expires_at_ms: now_ms + CREDIT_RECORD_TTL_MS,
                };
                changes.push((change, reason));
            }
        }
    }
    Ok((changes, outcomes))
}
