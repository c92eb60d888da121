//! The real activities of the tier workflow (behaviour keep-workflow): tier store, product clients, the bus.

use crate::core::outgoing::TIER_UPGRADED_V1;
use crate::core::time_format::iso_millis;
use crate::ports::{Clock, EventPublisher};
use crate::telemetry::current_traceparent;
use crate::tier_workflow::catalog::{Products, Recommendations};
use crate::tier_workflow::orchestrator::tier_upgrade::{Activities, Error, ErrorKind};
use crate::tier_workflow::ports::{ProductSearch, ProductService, TierStore, TierStoreError};
use crate::tier_workflow::tier_upgraded::TierUpgraded;
use crate::tier_workflow::{SavedTier, TierAccount, TierChange, UpgradeRequest};
use crate::use_cases::publish_change::new_traceparent;
use tracing::Instrument;

/// The search query the original sends (behaviour keep-workflow, step 3).
pub fn recommendation_query(change: &TierChange, total_points: i64) -> String {
    format!(
        "loyalty tier upgrade recommendations for {} tier members with {total_points} points",
        change.new_tier.name()
    )
}

/// The activities, over a tier store, an event publisher, the two product services and a clock.
#[derive(Debug, Clone)]
pub struct TierActivities<S, P, C, Pr, Se> {
    /// Tier items.
    pub tiers: S,
    /// Where `loyalty.tierUpgraded.v1` goes.
    pub publisher: P,
    /// The Product Service.
    pub products: Pr,
    /// The Product Search service.
    pub search: Se,
    /// The deployment environment (`Source` of the event).
    pub env: String,
    /// Time source of `UpgradedAt`, `NotifiedAt` and the event.
    pub clock: C,
}

fn transient(error: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Transient, error.to_string())
}

fn store_error(error: TierStoreError) -> Error {
    match error {
        TierStoreError::VersionConflict { .. } => {
            Error::new(ErrorKind::VersionConflict, error.to_string())
        }
        TierStoreError::Backend(_) => transient(error),
    }
}

impl<S: TierStore, P, C, Pr, Se> TierActivities<S, P, C, Pr, Se> {
    /// After a version conflict: the stored item if it is the one this very step wrote before a crash lost the
    /// step's checkpoint (the replay then sees its own write as a conflict). It is recognised by the version the
    /// step would have written (`expected + 1`), its tier and its points; any other item is a newer execution's.
    async fn own_earlier_write(
        &self,
        input: &UpgradeRequest,
        account: &TierAccount,
        change: &TierChange,
    ) -> Result<Option<crate::tier_workflow::ports::TierRecord>, Error> {
        let stored = self
            .tiers
            .load_tier(&input.user_id)
            .await
            .map_err(store_error)?;
        Ok(stored.filter(|item| {
            item.version == account.version + 1
                && item.tier == change.new_tier
                && item.points_at_upgrade == input.total_points
        }))
    }
}

impl<S, P, C, Pr, Se> Activities for TierActivities<S, P, C, Pr, Se>
where
    Pr: ProductService + 'static,
    Se: ProductSearch + 'static,
    S: TierStore + 'static,
    P: EventPublisher + 'static,
    C: Clock + 'static,
{
    async fn read_account(&self, input: &UpgradeRequest) -> Result<TierAccount, Error> {
        let stored = self
            .tiers
            .load_tier(&input.user_id)
            .await
            .map_err(store_error)?;
        Ok(TierAccount {
            user_id: input.user_id.clone(),
            tier: stored
                .as_ref()
                .map_or(crate::tier_workflow::Tier::Bronze, |t| t.tier),
            version: stored.map_or(0, |t| t.version),
        })
    }

    async fn evaluate_tier(
        &self,
        input: &UpgradeRequest,
        account: &TierAccount,
    ) -> Result<TierChange, Error> {
        let change =
            crate::tier_workflow::tier::TierChange::evaluate(input.total_points, account.tier);
        Ok(TierChange {
            has_changed: change.has_changed(),
            previous_tier: change.previous,
            new_tier: change.new,
        })
    }

    async fn list_products(&self) -> Result<Products, Error> {
        self.products.list_products().await.map_err(|error| {
            tracing::warn!(%error, "productService.listProducts failed; the step will be retried");
            transient(error)
        })
    }

    async fn search_recommendations(
        &self,
        input: &UpgradeRequest,
        change: &TierChange,
    ) -> Result<Recommendations, Error> {
        let query = recommendation_query(change, input.total_points);
        self.search.search(&query).await.map_err(|error| {
            tracing::warn!(%error, %query, "productSearchService.search failed; the step will be retried");
            transient(error)
        })
    }

    async fn upgrade_tier(
        &self,
        input: &UpgradeRequest,
        account: &TierAccount,
        change: &TierChange,
    ) -> Result<SavedTier, Error> {
        let now = iso_millis(self.clock.now_ms());
        let saved = match self
            .tiers
            .save_tier(
                &input.user_id,
                change.new_tier,
                input.total_points,
                account.version,
                &now,
            )
            .await
        {
            Ok(saved) => saved,
            Err(error @ TierStoreError::VersionConflict { .. }) => {
                match self.own_earlier_write(input, account, change).await? {
                    Some(saved) => {
                        tracing::info!(
                            user_id = %input.user_id,
                            version = saved.version,
                            "upgrade-tier replayed after a crash: the tier item is this execution's own write"
                        );
                        saved
                    }
                    None => {
                        tracing::info!(%error, "another execution upgraded first: superseded (behaviour F11)");
                        return Err(store_error(error));
                    }
                }
            }
            Err(error) => return Err(store_error(error)),
        };
        Ok(SavedTier {
            tier: saved.tier,
            version: saved.version,
            upgraded_at: saved.upgraded_at,
        })
    }

    async fn publish_tier_upgraded(
        &self,
        callback_id: &str,
        input: &UpgradeRequest,
        change: &TierChange,
        (_products, recommendations): &(Products, Recommendations),
    ) -> Result<(), Error> {
        // The event carries what `search-recommendations` gathered: one search per upgrade. A search that fails
        // never gets here: the branch's `Transient` error is retried and then fails the execution (behaviour F13), so
        // an empty list means the service answered with no products.
        if recommendations.products.is_empty() {
            tracing::info!(
                answer = %recommendations.answer,
                "the product search found no products; the tierUpgraded event carries no recommendations"
            );
        }
        let recommendations = &recommendations.products;
        let span = tracing::debug_span!(
            "publish",
            otel.name = %format!("publish {TIER_UPGRADED_V1}"),
            otel.kind = "producer",
            messaging.system = "eventbridge",
            messaging.operation.type = "send",
            messaging.batch.message_count = 1,
            cloudevents.event_type = TIER_UPGRADED_V1,
        );
        let traceparent = span.in_scope(|| current_traceparent().unwrap_or_else(new_traceparent));
        let time = iso_millis(self.clock.now_ms());
        let event_id = uuid::Uuid::new_v4().to_string();
        let event = TierUpgraded {
            env: &self.env,
            event_id: &event_id,
            time: &time,
            user_id: &input.user_id,
            previous_tier: change.previous_tier,
            new_tier: change.new_tier,
            current_points: input.total_points,
            recommendations,
            callback_id,
            traceparent: Some(&traceparent),
        }
        .event();
        self.publisher
            .publish(&[event])
            .instrument(span)
            .await
            .map_err(transient)
    }

    async fn record_completion(
        &self,
        input: &UpgradeRequest,
        saved: &SavedTier,
    ) -> Result<(), Error> {
        let now = iso_millis(self.clock.now_ms());
        let stamped = self
            .tiers
            .record_notified(&input.user_id, saved.version, &now)
            .await
            .map_err(store_error)?;
        if !stamped {
            tracing::info!(
                user_id = %input.user_id,
                version = saved.version,
                "the tier item is no longer the one this execution saved; NotifiedAt left to the newer execution (behaviour F14)"
            );
        }
        Ok(())
    }
}
