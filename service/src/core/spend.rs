//! Spending points: validation of the request body (behaviour F1) and the decision against the balance.

use serde_json::Value;

use crate::core::account::{Account, BalanceChange};
use crate::core::strict_json::{self, StrictJsonError};

/// The largest amount a single spend may ask for (behaviour F1).
pub const MAX_SPEND_POINTS: i64 = 1_000_000_000;

/// A validated spend amount: an integer from 1 to [`MAX_SPEND_POINTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendAmount(i64);

/// Why a spend request body was rejected (behaviour F1). The `Display` text is the envelope message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpendRequestError {
    /// No body, or an empty one.
    #[error("Request body is missing: send {{\"points\": <integer>}}")]
    MissingBody,
    /// The body does not parse as JSON.
    #[error("Request body is not valid JSON")]
    MalformedJson,
    /// An object of the body, at any depth, repeats a key (the key, cut short when long).
    #[error("Request body has a duplicate key: {0}")]
    DuplicateKey(String),
    /// The body is JSON but not an object.
    #[error("Request body must be a JSON object")]
    NotAnObject,
    /// The object has no `points`.
    #[error("points is required")]
    MissingPoints,
    /// `points` is not a JSON integer (a string, a fraction, a boolean, null, ...).
    #[error("points must be an integer")]
    NotAnInteger,
    /// `points` is an integer outside 1..=1,000,000,000.
    #[error("points must be between 1 and 1000000000")]
    OutOfRange,
}

impl SpendAmount {
    /// Validates an amount.
    pub fn new(points: i64) -> Result<Self, SpendRequestError> {
        if (1..=MAX_SPEND_POINTS).contains(&points) {
            Ok(Self(points))
        } else {
            Err(SpendRequestError::OutOfRange)
        }
    }

    /// Parses a `POST /loyalty` body `{"points": <integer>}`; other fields are ignored, but no object in the body
    /// may repeat a key (behaviour F1).
    pub fn from_body(body: &[u8]) -> Result<Self, SpendRequestError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(SpendRequestError::MissingBody);
        }
        let value = strict_json::from_slice(body).map_err(|error| match error {
            StrictJsonError::DuplicateKey(key) => SpendRequestError::DuplicateKey(key),
            StrictJsonError::Invalid(_) => SpendRequestError::MalformedJson,
        })?;
        let object = value.as_object().ok_or(SpendRequestError::NotAnObject)?;
        let points = object
            .get("points")
            .ok_or(SpendRequestError::MissingPoints)?;
        let Value::Number(number) = points else {
            return Err(SpendRequestError::NotAnInteger);
        };
        match (number.as_i64(), number.as_u64()) {
            (Some(points), _) => Self::new(points),
            // A u64 above i64::MAX is an integer, just far out of range.
            (None, Some(_)) => Err(SpendRequestError::OutOfRange),
            (None, None) => Err(SpendRequestError::NotAnInteger),
        }
    }

    /// The amount.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Why a valid spend cannot be applied to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpendRefusal {
    /// The account does not exist.
    NotFound,
    /// The balance is lower than the amount; nothing is written.
    InsufficientPoints {
        /// The unchanged balance.
        current: Account,
    },
}

/// Decides a spend against the current account (`None`: no account).
pub fn decide_spend(
    account: Option<&Account>,
    amount: SpendAmount,
) -> Result<BalanceChange, SpendRefusal> {
    let account = account.ok_or(SpendRefusal::NotFound)?;
    if account.points < amount.get() {
        return Err(SpendRefusal::InsufficientPoints {
            current: account.clone(),
        });
    }
    Ok(account.change_to(account.points - amount.get()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<i64, SpendRequestError> {
        SpendAmount::from_body(body.as_bytes()).map(SpendAmount::get)
    }

    #[test]
    fn a_positive_integer_is_a_valid_amount_and_other_fields_are_ignored() {
        assert_eq!(parse(r#"{"points": 10, "userId": "someone-else"}"#), Ok(10));
        assert_eq!(parse(r#"{"points": 1000000000}"#), Ok(1_000_000_000));
        // Keys repeated in different objects are not duplicates.
        assert_eq!(
            parse(r#"{"points": 3, "a": {"points": 4}, "b": [{"points": 5}, {"points": 6}]}"#),
            Ok(3)
        );
    }

    #[test]
    fn every_coercible_or_out_of_range_value_is_rejected_with_its_reason() {
        use SpendRequestError::*;
        let cases = [
            ("", MissingBody),
            ("  \n", MissingBody),
            ("{", MalformedJson),
            ("null", NotAnObject),
            ("5", NotAnObject),
            ("[5]", NotAnObject),
            ("{}", MissingPoints),
            (r#"{"points":"10"}"#, NotAnInteger),
            (r#"{"points":true}"#, NotAnInteger),
            (r#"{"points":null}"#, NotAnInteger),
            (r#"{"points":[5]}"#, NotAnInteger),
            (r#"{"points":10.5}"#, NotAnInteger),
            (r#"{"points":10.0}"#, NotAnInteger),
            (r#"{"points":1e309}"#, MalformedJson),
            (r#"{"points":0}"#, OutOfRange),
            (r#"{"points":-50}"#, OutOfRange),
            (r#"{"points":1000000001}"#, OutOfRange),
            (r#"{"points":18446744073709551615}"#, OutOfRange),
            (r#"{"points":1,"points":2}"#, DuplicateKey("points".into())),
            (r#"{"points":5,"points":5}"#, DuplicateKey("points".into())),
            (
                r#"{"points":2,"note":{"a":1,"a":2}}"#,
                DuplicateKey("a".into()),
            ),
            (
                r#"{"points":2,"items":[{"id":1,"id":2}]}"#,
                DuplicateKey("id".into()),
            ),
            (
                r#"{"userId":"u1","userId":"u2","points":2}"#,
                DuplicateKey("userId".into()),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(parse(body), Err(expected), "body {body:?}");
        }
    }

    #[test]
    fn the_messages_name_the_problem() {
        assert_eq!(
            SpendRequestError::OutOfRange.to_string(),
            "points must be between 1 and 1000000000"
        );
        assert_eq!(
            SpendRequestError::MissingBody.to_string(),
            "Request body is missing: send {\"points\": <integer>}"
        );
        assert_eq!(
            SpendRequestError::DuplicateKey("points".into()).to_string(),
            "Request body has a duplicate key: points"
        );
    }

    #[test]
    fn spending_more_than_the_balance_is_refused_with_the_current_account() {
        let account = Account {
            user_id: "u1".into(),
            points: 30,
            version: 2,
            legacy_orders: vec![],
        };
        let refusal = decide_spend(Some(&account), SpendAmount(31));
        assert_eq!(
            refusal,
            Err(SpendRefusal::InsufficientPoints {
                current: account.clone()
            })
        );
        let change = decide_spend(Some(&account), SpendAmount(30)).unwrap();
        assert_eq!((change.new_points, change.difference()), (0, -30));
        assert_eq!(
            decide_spend(None, SpendAmount(1)),
            Err(SpendRefusal::NotFound)
        );
    }
}
