//! Idempotent credits: the welcome bonus and the per-order points (behaviour F5, F6).

use crate::core::account::{Account, BalanceChange};

/// Points of the welcome bonus (`users.userCreated.v1`).
pub const WELCOME_BONUS_POINTS: i64 = 100;
/// Points per distinct completed order (`orders.orderCompleted.v1` / `.v2`).
pub const POINTS_PER_ORDER: i64 = 50;
/// The marker the original service stored in `Orders` for the welcome bonus.
pub const LEGACY_WELCOME_MARKER: &str = "new-user";
/// How long a credit's idempotency record is kept (behaviour F6): far longer than any redelivery (SQS keeps 4 days).
pub const CREDIT_RECORD_TTL_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// What a credit is for; each key credits an account at most once.
///
/// Order ids of v1 (`orderNumber`) and v2 (`orderId`) share one namespace; the welcome bonus has its own, so an
/// order whose id is literally `new-user` is an ordinary order (behaviour F5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CreditKey {
    /// The one-time welcome bonus.
    WelcomeBonus,
    /// A completed order, by its id.
    Order(String),
}

impl CreditKey {
    /// The points this credit adds.
    pub fn points(&self) -> i64 {
        match self {
            Self::WelcomeBonus => WELCOME_BONUS_POINTS,
            Self::Order(_) => POINTS_PER_ORDER,
        }
    }

    /// The namespaced key: `WELCOME` or `ORDER#<id>`.
    pub fn namespaced(&self) -> String {
        match self {
            Self::WelcomeBonus => "WELCOME".to_owned(),
            Self::Order(id) => format!("ORDER#{id}"),
        }
    }

    /// The id of the idempotency record: `CREDIT#<userId>#<namespaced key>`.
    pub fn record_id(&self, user_id: &str) -> String {
        format!("CREDIT#{user_id}#{}", self.namespaced())
    }

    /// Whether the original service's `Orders` list already holds this credit.
    pub fn is_in_legacy_orders(&self, legacy_orders: &[String]) -> bool {
        match self {
            Self::WelcomeBonus => legacy_orders.iter().any(|k| k == LEGACY_WELCOME_MARKER),
            // In the legacy list "new-user" meant the welcome bonus, never an order.
            Self::Order(id) => id != LEGACY_WELCOME_MARKER && legacy_orders.iter().any(|k| k == id),
        }
    }
}

/// What to do for one credit, decided from the current account and whether its record exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditDecision {
    /// The key was credited before: nothing to write.
    AlreadyCredited {
        /// The current balance.
        points: i64,
    },
    /// Write this change together with the credit's record.
    Apply(BalanceChange),
}

/// Decides a credit: `account` is `None` when the account does not exist yet (it is created by the credit).
pub fn decide_credit(
    user_id: &str,
    account: Option<&Account>,
    key: &CreditKey,
    record_exists: bool,
) -> CreditDecision {
    let account = account.cloned().unwrap_or_else(|| Account::empty(user_id));
    if record_exists || key.is_in_legacy_orders(&account.legacy_orders) {
        return CreditDecision::AlreadyCredited {
            points: account.points,
        };
    }
    CreditDecision::Apply(account.change_to(account.points + key.points()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(points: i64, legacy: &[&str]) -> Account {
        Account {
            user_id: "u1".into(),
            points,
            version: 2,
            legacy_orders: legacy.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn order_and_welcome_records_live_in_separate_namespaces() {
        assert_eq!(CreditKey::WelcomeBonus.record_id("u1"), "CREDIT#u1#WELCOME");
        assert_eq!(
            CreditKey::Order("new-user".into()).record_id("u1"),
            "CREDIT#u1#ORDER#new-user"
        );
    }

    #[test]
    fn a_first_order_on_a_missing_account_creates_it_with_fifty_points() {
        let decision = decide_credit("u1", None, &CreditKey::Order("o1".into()), false);
        let CreditDecision::Apply(change) = decision else {
            panic!("expected a write")
        };
        assert_eq!(
            (change.old_points, change.new_points, change.new_version),
            (None, 50, 1)
        );
    }

    #[test]
    fn a_recorded_credit_is_not_applied_again() {
        let decision = decide_credit(
            "u1",
            Some(&account(150, &[])),
            &CreditKey::Order("o1".into()),
            true,
        );
        assert_eq!(decision, CreditDecision::AlreadyCredited { points: 150 });
    }

    #[test]
    fn the_legacy_orders_list_is_honoured() {
        let legacy = account(150, &["new-user", "ORD-1"]);
        assert_eq!(
            decide_credit("u1", Some(&legacy), &CreditKey::WelcomeBonus, false),
            CreditDecision::AlreadyCredited { points: 150 }
        );
        assert_eq!(
            decide_credit(
                "u1",
                Some(&legacy),
                &CreditKey::Order("ORD-1".into()),
                false
            ),
            CreditDecision::AlreadyCredited { points: 150 }
        );
    }

    #[test]
    fn an_order_named_new_user_is_an_ordinary_order_even_after_a_legacy_welcome_bonus() {
        let legacy = account(100, &["new-user"]);
        let decision = decide_credit(
            "u1",
            Some(&legacy),
            &CreditKey::Order("new-user".into()),
            false,
        );
        let CreditDecision::Apply(change) = decision else {
            panic!("expected a write")
        };
        assert_eq!(change.new_points, 150);
    }
}
