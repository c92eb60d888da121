//! A test implementation of the tier workflow's `Activities` that records every call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use crate::catalog::{Products, Recommendations};
use crate::orders::{HistoryRequest, OrderHistory};
use crate::tier::{Acknowledgement, SavedTier, TierAccount, TierChange, UpgradeRequest};
use crate::tier_upgrade::{Activities, Error, ErrorKind};
use workflow_runtime::FunctionTarget;

/// Every activity call, in order, shared between the activities and the test.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<&'static str>>>);

impl CallLog {
    pub fn record(&self, name: &'static str) {
        self.0.lock().unwrap().push(name);
    }

    pub fn calls(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().clone()
    }

    pub fn count(&self, name: &str) -> usize {
        self.calls().iter().filter(|call| **call == name).count()
    }
}

/// What `upgrade_tier` answers.
#[derive(Debug, Clone, Copy)]
pub enum UpgradeAnswer {
    Saved,
    VersionConflict,
}

pub struct ScriptedActivities {
    pub log: CallLog,
    pub tier_goes_up: bool,
    pub upgrade: UpgradeAnswer,
    /// `read_account` fails with `Transient` this many times before it succeeds.
    pub read_account_transient_failures: AtomicU32,
}

impl ScriptedActivities {
    pub fn upgrading(log: &CallLog) -> Self {
        Self {
            log: log.clone(),
            tier_goes_up: true,
            upgrade: UpgradeAnswer::Saved,
            read_account_transient_failures: AtomicU32::new(0),
        }
    }
}

impl Activities for ScriptedActivities {
    async fn read_account(&self, input: &UpgradeRequest) -> Result<TierAccount, Error> {
        self.log.record("read_account");
        let remaining = self.read_account_transient_failures.load(Ordering::SeqCst);
        if remaining > 0 {
            self.read_account_transient_failures
                .store(remaining - 1, Ordering::SeqCst);
            return Err(Error::new(ErrorKind::Transient, "connection reset by peer"));
        }
        Ok(TierAccount {
            user_id: input.user_id.clone(),
            tier: "Bronze".into(),
            version: 7,
        })
    }

    async fn evaluate_tier(
        &self,
        _input: &UpgradeRequest,
        account: &TierAccount,
    ) -> Result<TierChange, Error> {
        self.log.record("evaluate_tier");
        let to = if self.tier_goes_up {
            "Silver"
        } else {
            "Bronze"
        };
        Ok(TierChange {
            has_changed: self.tier_goes_up,
            from: account.tier.clone(),
            to: to.into(),
        })
    }

    async fn list_products(&self) -> Result<Products, Error> {
        self.log.record("list_products");
        Ok(Products {
            names: vec!["lamp".into(), "desk".into()],
        })
    }

    async fn search_recommendations(
        &self,
        _input: &UpgradeRequest,
        change: &TierChange,
    ) -> Result<Recommendations, Error> {
        self.log.record("search_recommendations");
        Ok(Recommendations {
            answer: format!("perks of {}", change.to),
        })
    }

    async fn upgrade_tier(
        &self,
        _input: &UpgradeRequest,
        account: &TierAccount,
        change: &TierChange,
    ) -> Result<SavedTier, Error> {
        self.log.record("upgrade_tier");
        match self.upgrade {
            UpgradeAnswer::Saved => Ok(SavedTier {
                tier: change.to.clone(),
                version: account.version + 1,
            }),
            UpgradeAnswer::VersionConflict => Err(Error::new(
                ErrorKind::VersionConflict,
                "tier version 7 is stale",
            )),
        }
    }

    async fn publish_tier_upgraded(
        &self,
        callback_id: &str,
        _input: &UpgradeRequest,
        change: &TierChange,
        (products, recommendations): &(Products, Recommendations),
    ) -> Result<(), Error> {
        self.log.record("publish_tier_upgraded");
        assert!(
            !callback_id.is_empty(),
            "the submitter receives the callback id"
        );
        assert_eq!(change.to, "Silver");
        // Reading the parallel step gives its branch outputs in branch order.
        assert_eq!(products.names, ["lamp", "desk"]);
        assert_eq!(recommendations.answer, "perks of Silver");
        Ok(())
    }

    async fn record_completion(
        &self,
        _input: &UpgradeRequest,
        _saved: &SavedTier,
    ) -> Result<(), Error> {
        self.log.record("record_completion");
        Ok(())
    }
}

/// `fetch-order-history` run in-process, because `LocalRunner` never completes a chained invoke.
pub fn in_process_order_history(log: &CallLog) -> FunctionTarget {
    let log = log.clone();
    FunctionTarget::in_process(move |request: HistoryRequest| {
        let log = log.clone();
        async move {
            log.record("fetch_order_history");
            assert_eq!(request.user_id, "u-42");
            Ok(OrderHistory { order_count: 3 })
        }
    })
}

pub fn upgrade_request() -> UpgradeRequest {
    UpgradeRequest {
        user_id: "u-42".into(),
        total_points: 1200,
    }
}

pub fn acknowledgement() -> Acknowledgement {
    Acknowledgement {
        acknowledged_by: "notifier".into(),
    }
}
