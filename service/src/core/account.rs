//! A loyalty account and the balance changes applied to it.

use serde::{Deserialize, Serialize};

/// A user's loyalty account as stored (one per user id, the JWT `sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user id, verbatim.
    pub user_id: String,
    /// The current balance.
    pub points: i64,
    /// Optimistic-lock counter: 0 for an account that does not exist yet, 1 after the first write.
    pub version: i64,
    /// Idempotency keys of the original service's `Orders` JSON list (behaviour F6): honoured on read, never grown.
    pub legacy_orders: Vec<String>,
}

impl Account {
    /// The starting point of an account that does not exist yet: 0 points, version 0.
    pub fn empty(user_id: &str) -> Self {
        Self {
            user_id: user_id.to_owned(),
            points: 0,
            version: 0,
            legacy_orders: Vec::new(),
        }
    }

    /// The change that sets this account's balance to `new_points` (version + 1).
    pub fn change_to(&self, new_points: i64) -> BalanceChange {
        BalanceChange {
            user_id: self.user_id.clone(),
            old_points: (self.version > 0).then_some(self.points),
            new_points,
            expected_version: self.version,
            new_version: self.version + 1,
        }
    }
}

/// One committed (or to be committed) change of an account's balance: the "stream record" of the change stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceChange {
    /// The account's user id.
    pub user_id: String,
    /// The balance before the change; `None` when the change created the account (a DynamoDB INSERT).
    pub old_points: Option<i64>,
    /// The balance after the change.
    pub new_points: i64,
    /// The version the account must still have for the change to apply (0: it must not exist).
    pub expected_version: i64,
    /// The version after the change.
    pub new_version: i64,
}

impl BalanceChange {
    /// `new - old` (a created account counts from 0), the `difference` of the published events (behaviour F8).
    pub fn difference(&self) -> i64 {
        self.new_points - self.old_points.unwrap_or(0)
    }

    /// The account as it is after this change.
    pub fn resulting_account(&self) -> Account {
        Account {
            user_id: self.user_id.clone(),
            points: self.new_points,
            version: self.new_version,
            legacy_orders: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_a_new_account_counts_its_difference_from_zero() {
        let change = Account::empty("u1").change_to(100);
        assert_eq!(change.old_points, None);
        assert_eq!(change.expected_version, 0);
        assert_eq!(change.new_version, 1);
        assert_eq!(change.difference(), 100);
    }

    #[test]
    fn a_spend_has_a_negative_difference() {
        let account = Account {
            user_id: "u1".into(),
            points: 150,
            version: 3,
            legacy_orders: vec![],
        };
        let change = account.change_to(120);
        assert_eq!(change.old_points, Some(150));
        assert_eq!(change.difference(), -30);
        assert_eq!(change.resulting_account().version, 4);
    }
}
