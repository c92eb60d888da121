//! Reading and writing DynamoDB attribute values of the table's items (behaviour keep-dynamodb).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// One DynamoDB item as the SDK returns it.
pub type Item = HashMap<String, AttributeValue>;

/// The hash key of the table.
pub const PK: &str = "PK";
/// The item type attribute; account items have `LoyaltyAccount` (the stream filter depends on it).
pub const TYPE: &str = "Type";
/// `Type` of an account item.
pub const ACCOUNT_TYPE: &str = "LoyaltyAccount";
/// `Type` of a credit's idempotency record (behaviour F6).
pub const CREDIT_RECORD_TYPE: &str = "CreditRecord";
/// `Type` of a spend receipt (behaviour F4).
pub const SPEND_RECEIPT_TYPE: &str = "SpendReceipt";
/// The TTL attribute of idempotency records and receipts: epoch **seconds**, as DynamoDB TTL requires.
pub const TTL_ATTRIBUTE: &str = "ExpiresAt";
/// The exact expiry of records and receipts, epoch milliseconds (TTL deletion is lazy, so reads compare this).
pub const EXPIRES_AT_MS: &str = "ExpiresAtMs";

/// A string attribute.
pub fn string(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// A number attribute.
pub fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The string attribute `name`, if present and a string.
pub fn get_string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s),
        _ => None,
    }
}

/// Parses a DynamoDB number as an integer; the original wrote JavaScript numbers (`toString()`), so `150.0` or
/// `1.5e3` are accepted when they are integral.
pub fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let float = text.parse::<f64>().ok()?;
        (float.fract() == 0.0 && float.abs() < 9.0e15).then_some(float as i64)
    })
}

/// The number attribute `name` as an integer: `Ok(None)` when absent, an error naming it when not an integer.
pub fn get_integer(item: &Item, name: &str) -> Result<Option<i64>, String> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(text)) => parse_integer(text)
            .map(Some)
            .ok_or_else(|| format!("{name} is not an integer: {text}")),
        Some(other) => Err(format!("{name} is not a number: {other:?}")),
    }
}

/// The legacy `Orders` list: a JSON string (the original's repository), or a native list of strings (which its
/// stream handler also accepted). Absent: empty.
pub fn get_legacy_orders(item: &Item) -> Result<Vec<String>, String> {
    match item.get("Orders") {
        None | Some(AttributeValue::Null(_)) => Ok(Vec::new()),
        Some(AttributeValue::S(json)) => serde_json::from_str(json)
            .map_err(|e| format!("Orders is not a JSON list of strings: {e}")),
        Some(AttributeValue::L(values)) => values
            .iter()
            .map(|v| match v {
                AttributeValue::S(s) => Ok(s.clone()),
                other => Err(format!("Orders holds a non-string: {other:?}")),
            })
            .collect(),
        Some(AttributeValue::Ss(values)) => Ok(values.clone()),
        Some(other) => Err(format!("Orders has an unexpected type: {other:?}")),
    }
}

/// Epoch seconds for a TTL attribute, rounded up so the item never disappears before `expires_at_ms`.
pub fn ttl_seconds(expires_at_ms: i64) -> i64 {
    expires_at_ms.div_euclid(1000) + i64::from(expires_at_ms.rem_euclid(1000) != 0)
}

/// The expiry of a record in epoch ms: `ExpiresAtMs`, else the TTL attribute.
pub fn expires_at_ms(item: &Item) -> Result<Option<i64>, String> {
    match get_integer(item, EXPIRES_AT_MS)? {
        Some(ms) => Ok(Some(ms)),
        None => Ok(get_integer(item, TTL_ATTRIBUTE)?.map(|s| s * 1000)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_written_by_javascript_are_read_as_integers() {
        assert_eq!(parse_integer("150"), Some(150));
        assert_eq!(parse_integer("150.0"), Some(150));
        assert_eq!(parse_integer("1.5e3"), Some(1500));
        assert_eq!(parse_integer("1.5"), None);
        assert_eq!(parse_integer("abc"), None);
    }

    #[test]
    fn ttl_seconds_round_up_so_a_record_never_expires_early() {
        assert_eq!(ttl_seconds(5_000), 5);
        assert_eq!(ttl_seconds(5_001), 6);
    }

    #[test]
    fn the_legacy_orders_list_is_read_from_a_json_string_or_a_native_list() {
        let mut item = Item::new();
        item.insert("Orders".into(), string(r#"["new-user","ORD-1"]"#));
        assert_eq!(get_legacy_orders(&item).unwrap(), vec!["new-user", "ORD-1"]);
        item.insert("Orders".into(), AttributeValue::L(vec![string("ORD-2")]));
        assert_eq!(get_legacy_orders(&item).unwrap(), vec!["ORD-2"]);
        item.insert("Orders".into(), string("not json"));
        assert!(
            get_legacy_orders(&item)
                .unwrap_err()
                .starts_with("Orders is not a JSON list")
        );
    }
}
