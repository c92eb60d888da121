//! The consumed events (behaviour keep-events-consumed) turned into credit commands, with exact type matching
//! (behaviour F5).

use serde_json::Value;

use crate::core::cloud_event::CloudEvent;
use crate::core::credit::CreditKey;
use crate::core::error::DomainError;

/// `users.userCreated.v1`.
pub const USER_CREATED_V1: &str = "users.userCreated.v1";
/// `orders.orderCompleted.v1` (deprecated by its producer, still sent).
pub const ORDER_COMPLETED_V1: &str = "orders.orderCompleted.v1";
/// `orders.orderCompleted.v2`.
pub const ORDER_COMPLETED_V2: &str = "orders.orderCompleted.v2";

/// A credit to apply: which user, for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCommand {
    /// The user to credit.
    pub user_id: String,
    /// What the credit is for (its idempotency key).
    pub key: CreditKey,
}

fn data_string<'a>(data: &'a Value, field: &str) -> Option<&'a str> {
    data.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn user_id(event: &CloudEvent) -> Result<(String, &Value), DomainError> {
    let data = event
        .data
        .as_ref()
        .filter(|d| d.is_object())
        .ok_or_else(|| {
            DomainError::InvalidEvent(format!("{} has no data object", event.event_type))
        })?;
    let user_id = data_string(data, "userId").ok_or_else(|| {
        DomainError::InvalidEvent(format!("{} has no data.userId", event.event_type))
    })?;
    Ok((user_id.to_owned(), data))
}

/// `users.userCreated.v1` -> the welcome bonus. Any other type is refused.
pub fn user_created_command(event: &CloudEvent) -> Result<CreditCommand, DomainError> {
    if event.event_type != USER_CREATED_V1 {
        return Err(DomainError::UnsupportedEventType(event.event_type.clone()));
    }
    let (user_id, _) = user_id(event)?;
    Ok(CreditCommand {
        user_id,
        key: CreditKey::WelcomeBonus,
    })
}

/// `orders.orderCompleted.v1` (`orderNumber`) or `.v2` (`orderId`) -> the order credit, one key namespace for both.
pub fn order_completed_command(event: &CloudEvent) -> Result<CreditCommand, DomainError> {
    let id_field = match event.event_type.as_str() {
        ORDER_COMPLETED_V1 => "orderNumber",
        ORDER_COMPLETED_V2 => "orderId",
        other => return Err(DomainError::UnsupportedEventType(other.to_owned())),
    };
    let (user_id, data) = user_id(event)?;
    let order_id = data_string(data, id_field).ok_or(DomainError::MissingOrderId)?;
    Ok(CreditCommand {
        user_id,
        key: CreditKey::Order(order_id.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, data: Value) -> CloudEvent {
        CloudEvent::from_value(json!({"type": event_type, "data": data})).unwrap()
    }

    #[test]
    fn v1_and_v2_of_one_order_give_the_same_credit_key() {
        let v1 = order_completed_command(&event(
            ORDER_COMPLETED_V1,
            json!({"orderNumber":"o-1","userId":"u1"}),
        ));
        let v2 = order_completed_command(&event(
            ORDER_COMPLETED_V2,
            json!({"orderId":"o-1","userId":"u1"}),
        ));
        assert_eq!(v1, v2);
        assert_eq!(v1.unwrap().key, CreditKey::Order("o-1".into()));
    }

    #[test]
    fn type_matching_is_exact() {
        for unsupported in [
            "orders.orderCompleted.v10",
            "orders.orderCompleted.V1",
            "xv1",
            "orders.orderCompleted",
        ] {
            assert_eq!(
                order_completed_command(&event(
                    unsupported,
                    json!({"orderNumber":"o","userId":"u"})
                )),
                Err(DomainError::UnsupportedEventType(unsupported.into()))
            );
        }
        assert_eq!(
            user_created_command(&event(ORDER_COMPLETED_V1, json!({"userId":"u"}))),
            Err(DomainError::UnsupportedEventType(ORDER_COMPLETED_V1.into()))
        );
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(
            user_created_command(&event(USER_CREATED_V1, json!({}))),
            Err(DomainError::InvalidEvent(
                "users.userCreated.v1 has no data.userId".into()
            ))
        );
        assert_eq!(
            order_completed_command(&event(
                ORDER_COMPLETED_V2,
                json!({"orderNumber":"o","userId":"u"})
            )),
            Err(DomainError::MissingOrderId)
        );
        assert_eq!(
            user_created_command(&event(USER_CREATED_V1, json!({"userId":"u9"}))).unwrap(),
            CreditCommand {
                user_id: "u9".into(),
                key: CreditKey::WelcomeBonus
            }
        );
    }
}
