//! [`AccountStore`] on one DynamoDB table (hash key `PK`): the account item `PK=<userId>`, the credits'
//! idempotency records `PK=CREDIT#<userId>#<key>` (behaviour F6) and the spend receipts `PK=SPEND#<userId>#<key>`
//! (behaviour F4).
//! Every change is one `TransactWriteItems`: the account update conditional on its version and the record put
//! conditional on its absence (or expiry), so a balance never moves without its record. The change stream
//! (DynamoDB Streams) is the change record.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use crate::aws::attributes::{
    ACCOUNT_TYPE, CREDIT_RECORD_TYPE, EXPIRES_AT_MS, Item, PK, SPEND_RECEIPT_TYPE, TTL_ATTRIBUTE,
    TYPE, expires_at_ms, get_integer, get_legacy_orders, number, string, ttl_seconds,
};
use crate::aws::error::{Failure, classify};
use loyalty_service::core::account::{Account, BalanceChange};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::ports::{AccountStore, ChangeReason, SpendReceipt, StoreError};

/// DynamoDB allows at most 100 actions in one transaction.
const MAX_TRANSACT_ITEMS: usize = 100;

/// The id of a spend receipt: `SPEND#<userId>#<Idempotency-Key>`.
pub fn spend_receipt_id(user_id: &str, idempotency_key: &str) -> String {
    format!("SPEND#{user_id}#{idempotency_key}")
}

/// The DynamoDB account store. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct DynamoAccountStore {
    client: Client,
    table: String,
}

impl DynamoAccountStore {
    /// A store on `table` through `client`.
    pub fn new(client: Client, table: &str) -> Self {
        Self {
            client,
            table: table.to_owned(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// A strongly consistent read of one item (behaviour F7).
    async fn get(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, string(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| match classify(&e) {
                Failure::Transient(reason) => StoreError::Unavailable(reason),
                Failure::Service { code, message } => {
                    StoreError::Backend(format!("GetItem {pk}: {code}: {message}"))
                }
            })?;
        Ok(output.item)
    }
}

fn account_update(table: &str, change: &BalanceChange) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .key(PK, string(&change.user_id))
        .update_expression("SET #type = :type, #points = :points, #version = :new_version")
        .expression_attribute_names("#type", TYPE)
        .expression_attribute_names("#points", "Points")
        .expression_attribute_names("#version", "Version")
        .expression_attribute_values(":type", string(ACCOUNT_TYPE))
        .expression_attribute_values(":points", number(change.new_points))
        .expression_attribute_values(":new_version", number(change.new_version));
    // Version 0: a new account, or one the original stored without a version. Either way `Orders` is kept
    // (an update, not a put), so the legacy list still guards the credits it holds.
    let update = if change.expected_version == 0 {
        update
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":zero", number(0))
            .condition_expression(
                "attribute_not_exists(#pk) OR attribute_not_exists(#version) OR #version = :zero",
            )
    } else {
        update
            .expression_attribute_values(":expected", number(change.expected_version))
            .condition_expression("#version = :expected")
    };
    let update = update
        .build()
        .map_err(|e| StoreError::Backend(format!("account update: {e}")))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

fn record_put(
    table: &str,
    mut item: Item,
    expires_at: i64,
    now_ms: i64,
) -> Result<TransactWriteItem, StoreError> {
    item.insert(EXPIRES_AT_MS.into(), number(expires_at));
    item.insert(TTL_ATTRIBUTE.into(), number(ttl_seconds(expires_at)));
    item.insert("CreatedAtMs".into(), number(now_ms));
    // An expired record (not yet removed by TTL) counts as absent, as in the embedded store.
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk) OR #expires <= :now")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#expires", EXPIRES_AT_MS)
        .expression_attribute_values(":now", number(now_ms))
        .build()
        .map_err(|e| StoreError::Backend(format!("record put: {e}")))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn reason_put(
    table: &str,
    user_id: &str,
    reason: &ChangeReason,
    now_ms: i64,
) -> Result<Option<TransactWriteItem>, StoreError> {
    match reason {
        ChangeReason::Credit { key, expires_at_ms } => {
            let item = Item::from([
                (PK.to_owned(), string(&key.record_id(user_id))),
                (TYPE.to_owned(), string(CREDIT_RECORD_TYPE)),
                ("UserId".to_owned(), string(user_id)),
                ("CreditKey".to_owned(), string(&key.namespaced())),
                ("CreditedPoints".to_owned(), number(key.points())),
            ]);
            record_put(table, item, *expires_at_ms, now_ms).map(Some)
        }
        ChangeReason::Spend { receipt: None } => Ok(None),
        ChangeReason::Spend {
            receipt: Some(receipt),
        } => {
            let item = Item::from([
                (
                    PK.to_owned(),
                    string(&spend_receipt_id(user_id, &receipt.idempotency_key)),
                ),
                (TYPE.to_owned(), string(SPEND_RECEIPT_TYPE)),
                ("UserId".to_owned(), string(user_id)),
                (
                    "IdempotencyKey".to_owned(),
                    string(&receipt.idempotency_key),
                ),
                (
                    "PointsRequested".to_owned(),
                    number(receipt.points_requested),
                ),
                ("PointsAfter".to_owned(), number(receipt.points_after)),
            ]);
            record_put(table, item, receipt.expires_at_ms, now_ms).map(Some)
        }
    }
}

/// Merges consecutive changes of one user (a batch may credit an account several times) into one account
/// update: DynamoDB refuses two actions on one item in a transaction. The merged change goes from the first
/// change's expected version to the last change's balance and version.
fn merge_per_user(changes: &[(BalanceChange, ChangeReason)]) -> Vec<BalanceChange> {
    let mut merged: Vec<BalanceChange> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (change, _) in changes {
        match index.get(change.user_id.as_str()) {
            Some(&at) => {
                merged[at].new_points = change.new_points;
                merged[at].new_version = change.new_version;
            }
            None => {
                index.insert(&change.user_id, merged.len());
                merged.push(change.clone());
            }
        }
    }
    merged
}

/// The user whose condition failed, from the cancellation reasons (in the order of the actions).
fn conflict_of(
    error: &SdkError<TransactWriteItemsError, aws_sdk_dynamodb::config::http::HttpResponse>,
    owners: &[String],
) -> Option<StoreError> {
    let SdkError::ServiceError(service) = error else {
        return None;
    };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err() else {
        return None;
    };
    let reasons = cancelled.cancellation_reasons();
    let failed = reasons.iter().position(|r| {
        matches!(
            r.code(),
            Some("ConditionalCheckFailed" | "TransactionConflict")
        )
    });
    if let Some(at) = failed {
        let user = owners.get(at).cloned().unwrap_or_default();
        return Some(StoreError::Conflict(user));
    }
    if reasons.iter().any(|r| r.code() == Some("ThrottlingError")) {
        return Some(StoreError::Unavailable(format!(
            "transaction throttled: {cancelled}"
        )));
    }
    None
}

impl AccountStore for DynamoAccountStore {
    async fn load_account(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        let Some(item) = self.get(user_id).await? else {
            return Ok(None);
        };
        let unreadable = |e: String| StoreError::Backend(format!("account {user_id}: {e}"));
        Ok(Some(Account {
            user_id: user_id.to_owned(),
            points: get_integer(&item, "Points")
                .map_err(unreadable)?
                .unwrap_or(0),
            version: get_integer(&item, "Version")
                .map_err(unreadable)?
                .unwrap_or(0),
            legacy_orders: get_legacy_orders(&item).map_err(unreadable)?,
        }))
    }

    async fn credit_recorded(
        &self,
        user_id: &str,
        key: &CreditKey,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let Some(item) = self.get(&key.record_id(user_id)).await? else {
            return Ok(false);
        };
        let expires = expires_at_ms(&item).map_err(StoreError::Backend)?;
        Ok(expires.is_none_or(|at| at > now_ms))
    }

    async fn spend_receipt(
        &self,
        user_id: &str,
        idempotency_key: &str,
        now_ms: i64,
    ) -> Result<Option<SpendReceipt>, StoreError> {
        let Some(item) = self
            .get(&spend_receipt_id(user_id, idempotency_key))
            .await?
        else {
            return Ok(None);
        };
        let unreadable =
            |e: String| StoreError::Backend(format!("spend receipt {idempotency_key}: {e}"));
        let expires = expires_at_ms(&item)
            .map_err(unreadable)?
            .unwrap_or(i64::MAX);
        if expires <= now_ms {
            return Ok(None);
        }
        let field = |name: &str| {
            get_integer(&item, name)
                .map_err(unreadable)?
                .ok_or_else(|| unreadable(format!("{name} is missing")))
        };
        Ok(Some(SpendReceipt {
            idempotency_key: idempotency_key.to_owned(),
            points_requested: field("PointsRequested")?,
            points_after: field("PointsAfter")?,
            expires_at_ms: expires,
        }))
    }

    async fn commit_change(
        &self,
        change: &BalanceChange,
        reason: &ChangeReason,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.commit_changes(&[(change.clone(), reason.clone())], now_ms)
            .await
    }

    async fn commit_changes(
        &self,
        changes: &[(BalanceChange, ChangeReason)],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut actions = Vec::new();
        let mut owners = Vec::new();
        for change in merge_per_user(changes) {
            actions.push(account_update(&self.table, &change)?);
            owners.push(change.user_id.clone());
        }
        for (change, reason) in changes {
            if let Some(put) = reason_put(&self.table, &change.user_id, reason, now_ms)? {
                actions.push(put);
                owners.push(change.user_id.clone());
            }
        }
        if actions.len() > MAX_TRANSACT_ITEMS {
            return Err(StoreError::Backend(format!(
                "{} writes exceed the {MAX_TRANSACT_ITEMS} actions of one transaction",
                actions.len()
            )));
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                if let Some(mapped) = conflict_of(&error, &owners) {
                    tracing::warn!(%mapped, "conditional write lost");
                    return Err(mapped);
                }
                Err(match classify(&error) {
                    Failure::Transient(reason) => StoreError::Unavailable(reason),
                    Failure::Service { code, message } => {
                        StoreError::Backend(format!("TransactWriteItems: {code}: {message}"))
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_credits_of_one_user_become_one_account_update() {
        let first = Account::empty("u1").change_to(100);
        let second = first.resulting_account().change_to(150);
        let other = Account::empty("u2").change_to(50);
        let reason = ChangeReason::Spend { receipt: None };
        let merged = merge_per_user(&[
            (first, reason.clone()),
            (other.clone(), reason.clone()),
            (second, reason),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(
            (
                merged[0].expected_version,
                merged[0].new_version,
                merged[0].old_points,
                merged[0].new_points
            ),
            (0, 2, None, 150)
        );
        assert_eq!(merged[1], other);
    }
}
