//! DynamoDB stream records (`aws_lambda_events` types) as the change stream's [`StreamRecord`]s (behaviour F8): only
//! INSERT and MODIFY of account items (`Type = LoyaltyAccount`) are changes; `difference = new - old Points`.

use aws_lambda_events::event::dynamodb::EventRecord;
use serde_json::Value;

use crate::aws::attributes::{ACCOUNT_TYPE, parse_integer};
use loyalty_service::core::account::BalanceChange;
use loyalty_service::handlers::change_stream::StreamRecord;

/// What one stream record is to the change stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conversion {
    /// A change of an account's balance.
    Change(StreamRecord),
    /// Not an account change (REMOVE, a tier item, an idempotency record, a receipt): nothing to publish.
    Ignored,
    /// An account record that cannot be read; it fails (and is retried, then dead-lettered), never dropped.
    Invalid {
        /// The record's sequence number.
        sequence_number: String,
        /// Why.
        reason: String,
    },
}

/// The DynamoDB JSON of an image (`{"Points":{"N":"150"},...}`).
fn image_json(image: &impl serde::Serialize) -> Value {
    serde_json::to_value(image).unwrap_or(Value::Null)
}

fn attribute<'a>(image: &'a Value, name: &str, kind: &str) -> Option<&'a str> {
    image.get(name)?.get(kind)?.as_str()
}

fn integer(image: &Value, name: &str) -> Result<Option<i64>, String> {
    match attribute(image, name, "N") {
        None => Ok(None),
        Some(text) => parse_integer(text)
            .map(Some)
            .ok_or_else(|| format!("{name} is not an integer: {text}")),
    }
}

/// Converts one record.
pub fn convert(record: &EventRecord) -> Conversion {
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") {
        return Conversion::Ignored;
    }
    let new_image = image_json(&record.change.new_image);
    if attribute(&new_image, "Type", "S") != Some(ACCOUNT_TYPE) {
        return Conversion::Ignored;
    }
    let sequence_number = record
        .change
        .sequence_number
        .clone()
        .unwrap_or_else(|| record.event_id.clone());
    let invalid = |reason: String| Conversion::Invalid {
        sequence_number: sequence_number.clone(),
        reason,
    };
    let Some(user_id) = attribute(&new_image, "PK", "S") else {
        return invalid("the account item has no string PK".into());
    };
    let new_points = match integer(&new_image, "Points") {
        Ok(Some(points)) => points,
        Ok(None) => return invalid(format!("account {user_id} has no Points")),
        Err(reason) => return invalid(format!("account {user_id}: {reason}")),
    };
    let old_image = image_json(&record.change.old_image);
    // An INSERT, or a MODIFY of an item that was not yet an account, counts from 0.
    let old_is_account =
        record.event_name == "MODIFY" && attribute(&old_image, "PK", "S").is_some();
    let (old_points, expected_version) = if old_is_account {
        match (
            integer(&old_image, "Points"),
            integer(&old_image, "Version"),
        ) {
            (Ok(points), Ok(version)) => (Some(points.unwrap_or(0)), version.unwrap_or(0)),
            (Err(reason), _) | (_, Err(reason)) => {
                return invalid(format!("account {user_id} before: {reason}"));
            }
        }
    } else {
        (None, 0)
    };
    let new_version = match integer(&new_image, "Version") {
        Ok(version) => version.unwrap_or(0),
        Err(reason) => return invalid(format!("account {user_id}: {reason}")),
    };
    Conversion::Change(StreamRecord {
        sequence_number,
        change: BalanceChange {
            user_id: user_id.to_owned(),
            old_points,
            new_points,
            expected_version,
            new_version,
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(name: &str, old: Value, new: Value) -> EventRecord {
        serde_json::from_value(json!({
            "eventID": "e1", "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {"Keys": {"PK": {"S": "u1"}}, "OldImage": old, "NewImage": new,
                         "SequenceNumber": "100", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }))
        .unwrap()
    }

    fn account(points: i64, version: i64) -> Value {
        json!({"PK": {"S": "u1"}, "Type": {"S": "LoyaltyAccount"}, "Points": {"N": points.to_string()},
               "Version": {"N": version.to_string()}})
    }

    #[test]
    fn a_modify_of_an_account_counts_the_difference_from_the_old_image() {
        let Conversion::Change(change) =
            convert(&record("MODIFY", account(150, 3), account(120, 4)))
        else {
            panic!("expected a change")
        };
        assert_eq!(change.sequence_number, "100");
        assert_eq!(change.change.difference(), -30);
        assert_eq!(
            (change.change.expected_version, change.change.new_version),
            (3, 4)
        );
    }

    #[test]
    fn remove_records_and_items_that_are_not_accounts_are_ignored() {
        assert_eq!(
            convert(&record("REMOVE", account(1, 1), json!({}))),
            Conversion::Ignored
        );
        let tier =
            json!({"PK": {"S": "TIER#u1"}, "Tier": {"S": "Silver"}, "TierVersion": {"N": "1"}});
        assert_eq!(
            convert(&record("INSERT", json!({}), tier)),
            Conversion::Ignored
        );
    }

    #[test]
    fn an_account_with_unreadable_points_is_invalid_not_dropped() {
        let bad =
            json!({"PK": {"S": "u1"}, "Type": {"S": "LoyaltyAccount"}, "Points": {"N": "1.5"}});
        assert_eq!(
            convert(&record("INSERT", json!({}), bad)),
            Conversion::Invalid {
                sequence_number: "100".into(),
                reason: "account u1: Points is not an integer: 1.5".into()
            }
        );
    }
}
