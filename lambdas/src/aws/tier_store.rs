//! [`TierStore`] on the same DynamoDB table: the tier item `PK=TIER#<userId>` (behaviour keep-dynamodb), replaced by a
//! conditional `PutItem` on `TierVersion`; `NotifiedAt` stamped by a conditional `UpdateItem` (behaviour F14).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use crate::aws::attributes::{Item, PK, get_integer, get_string, number, string};
use crate::aws::error::{Failure, classify};
use loyalty_service::tier_workflow::ports::tier_store::{TierRecord, TierStore, TierStoreError};
use loyalty_service::tier_workflow::tier::Tier;

/// The key of a user's tier item.
pub fn tier_item_key(user_id: &str) -> String {
    format!("TIER#{user_id}")
}

const VERSION: &str = "TierVersion";

/// The DynamoDB tier store. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct DynamoTierStore {
    client: Client,
    table: String,
}

impl DynamoTierStore {
    /// A store on `table` through `client`.
    pub fn new(client: Client, table: &str) -> Self {
        Self {
            client,
            table: table.to_owned(),
        }
    }
}

fn backend<E, R>(operation: &str, error: &SdkError<E, R>) -> TierStoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match classify(error) {
        Failure::Transient(reason) => TierStoreError::Backend(format!("{operation}: {reason}")),
        Failure::Service { code, message } => {
            TierStoreError::Backend(format!("{operation}: {code}: {message}"))
        }
    }
}

fn record_of(user_id: &str, item: &Item) -> Result<TierRecord, TierStoreError> {
    let unreadable = |e: String| TierStoreError::Backend(format!("tier item of {user_id}: {e}"));
    Ok(TierRecord {
        user_id: get_string(item, "UserId").unwrap_or(user_id).to_owned(),
        tier: Tier::from_stored(get_string(item, "Tier")),
        points_at_upgrade: get_integer(item, "PointsAtUpgrade")
            .map_err(unreadable)?
            .unwrap_or(0),
        upgraded_at: get_string(item, "UpgradedAt")
            .unwrap_or_default()
            .to_owned(),
        version: get_integer(item, VERSION).map_err(unreadable)?.unwrap_or(0),
        notified_at: get_string(item, "NotifiedAt").map(str::to_owned),
    })
}

impl TierStore for DynamoTierStore {
    async fn load_tier(&self, user_id: &str) -> Result<Option<TierRecord>, TierStoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, string(&tier_item_key(user_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("GetItem", &e))?;
        output
            .item
            .map(|item| record_of(user_id, &item))
            .transpose()
    }

    async fn save_tier(
        &self,
        user_id: &str,
        tier: Tier,
        points_at_upgrade: i64,
        expected_version: i64,
        upgraded_at: &str,
    ) -> Result<TierRecord, TierStoreError> {
        let version = expected_version + 1;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, string(&tier_item_key(user_id)))
            .item("UserId", string(user_id))
            .item("Tier", string(tier.name()))
            .item("PointsAtUpgrade", number(points_at_upgrade))
            .item("UpgradedAt", string(upgraded_at))
            .item(VERSION, number(version))
            .expression_attribute_names("#version", VERSION)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let request = if expected_version == 0 {
            request
                .expression_attribute_names("#pk", PK)
                .condition_expression("attribute_not_exists(#pk) OR attribute_not_exists(#version)")
        } else {
            request
                .expression_attribute_values(":expected", number(expected_version))
                .condition_expression("#version = :expected")
        };
        match request.send().await {
            Ok(_) => Ok(TierRecord {
                user_id: user_id.to_owned(),
                tier,
                points_at_upgrade,
                upgraded_at: upgraded_at.to_owned(),
                version,
                notified_at: None,
            }),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    PutItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                let actual = match service.err() {
                    PutItemError::ConditionalCheckFailedException(e) => e
                        .item()
                        .map(|old| get_integer(old, VERSION).ok().flatten().unwrap_or(0))
                        .unwrap_or(0),
                    _ => 0,
                };
                Err(TierStoreError::VersionConflict {
                    user_id: user_id.to_owned(),
                    expected: expected_version,
                    actual,
                })
            }
            Err(error) => Err(backend("PutItem", &error)),
        }
    }

    async fn record_notified(
        &self,
        user_id: &str,
        version: i64,
        notified_at: &str,
    ) -> Result<bool, TierStoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, string(&tier_item_key(user_id)))
            .update_expression("SET NotifiedAt = :notified")
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":notified", string(notified_at))
            .expression_attribute_values(":version", number(version))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(backend("UpdateItem", &error)),
        }
    }
}
