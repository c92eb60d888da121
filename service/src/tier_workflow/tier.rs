//! Loyalty tiers: thresholds and upgrade-only evaluation (behaviour keep-tiers).

use serde::{Deserialize, Serialize};

/// A loyalty tier, in ascending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// The default tier (0 points).
    Bronze,
    /// 500 points and more.
    Silver,
    /// 1,500 points and more.
    Gold,
    /// 3,000 points and more.
    Platinum,
}

impl Tier {
    /// Every tier with its threshold, ascending.
    pub const THRESHOLDS: [(Tier, i64); 4] = [
        (Tier::Bronze, 0),
        (Tier::Silver, 500),
        (Tier::Gold, 1500),
        (Tier::Platinum, 3000),
    ];

    /// The highest tier whose threshold is at most `points`.
    pub fn for_points(points: i64) -> Tier {
        Self::THRESHOLDS
            .iter()
            .rev()
            .find(|(_, threshold)| points >= *threshold)
            .map_or(Tier::Bronze, |(tier, _)| *tier)
    }

    /// The name as stored and published (`Bronze`, `Silver`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Tier::Bronze => "Bronze",
            Tier::Silver => "Silver",
            Tier::Gold => "Gold",
            Tier::Platinum => "Platinum",
        }
    }

    /// Parses a stored name; a missing or unknown value reads as Bronze, as in the original.
    pub fn from_stored(name: Option<&str>) -> Tier {
        match name {
            Some("Silver") => Tier::Silver,
            Some("Gold") => Tier::Gold,
            Some("Platinum") => Tier::Platinum,
            _ => Tier::Bronze,
        }
    }
}

/// The outcome of evaluating a balance against the current tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierChange {
    /// The tier before.
    pub previous: Tier,
    /// The tier the points reach (never lower than `previous`: tiers only go up).
    pub new: Tier,
}

impl TierChange {
    /// Evaluates `points` against `current`; only an upgrade is a change.
    pub fn evaluate(points: i64, current: Tier) -> TierChange {
        TierChange {
            previous: current,
            new: Tier::for_points(points).max(current),
        }
    }

    /// True only for an upgrade.
    pub fn has_changed(&self) -> bool {
        self.new > self.previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_inclusive() {
        assert_eq!(Tier::for_points(499), Tier::Bronze);
        assert_eq!(Tier::for_points(500), Tier::Silver);
        assert_eq!(Tier::for_points(1500), Tier::Gold);
        assert_eq!(Tier::for_points(2999), Tier::Gold);
        assert_eq!(Tier::for_points(3000), Tier::Platinum);
        assert_eq!(Tier::for_points(-10), Tier::Bronze);
    }

    #[test]
    fn tiers_only_go_up_and_may_jump_several_steps() {
        assert!(TierChange::evaluate(1600, Tier::Bronze).has_changed());
        assert_eq!(TierChange::evaluate(1600, Tier::Bronze).new, Tier::Gold);
        let after_spend = TierChange::evaluate(100, Tier::Gold);
        assert_eq!(
            (after_spend.new, after_spend.has_changed()),
            (Tier::Gold, false)
        );
        assert_eq!(Tier::from_stored(None), Tier::Bronze);
        assert_eq!(Tier::from_stored(Some("Platinum")).name(), "Platinum");
    }
}
