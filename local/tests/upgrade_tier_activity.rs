//! The `upgrade-tier` activity replayed after a crash between its write and its checkpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use durable_local::TimeControl;
use loyalty_local::bus::BusPublisher;
use loyalty_service::http::service_clients::{
    ProductSearchClient, ProductServiceClient, http_client_for,
};
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::activities::TierActivities;
use loyalty_service::tier_workflow::orchestrator::tier_upgrade::{Activities, ErrorKind};
use loyalty_service::tier_workflow::ports::TierStore;
use loyalty_service::tier_workflow::tier::Tier;
use loyalty_service::tier_workflow::{TierAccount, TierChange, UpgradeRequest};
use support::{Harness, Pollers, Services};

fn silver_upgrade(user: &str) -> (UpgradeRequest, TierAccount, TierChange) {
    (
        UpgradeRequest {
            user_id: user.into(),
            total_points: 520,
        },
        TierAccount {
            user_id: user.into(),
            tier: Tier::Bronze,
            version: 0,
        },
        TierChange {
            has_changed: true,
            previous_tier: Tier::Bronze,
            new_tier: Tier::Silver,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_upgrade_returns_its_own_write_and_a_newer_write_is_still_a_conflict() {
    let harness = Harness::start(
        TimeControl::Scaled(0.001),
        Pollers::None,
        Services::default(),
    )
    .await;
    let activities = TierActivities {
        tiers: harness.tiers(),
        publisher: BusPublisher::new(harness.service.bus.clone()),
        // Never called by upgrade-tier.
        products: ProductServiceClient::new(
            "http://127.0.0.1:9",
            http_client_for(&["http://127.0.0.1:9"]).unwrap(),
        ),
        search: ProductSearchClient::new(
            "http://127.0.0.1:9",
            http_client_for(&["http://127.0.0.1:9"]).unwrap(),
        ),
        env: "dev".into(),
        clock: SystemClock,
    };

    let (input, account, change) = silver_upgrade("u1");
    let first = activities
        .upgrade_tier(&input, &account, &change)
        .await
        .unwrap();
    // The process died before the step's checkpoint: the replay runs the step again with the same input.
    let replayed = activities
        .upgrade_tier(&input, &account, &change)
        .await
        .unwrap();
    assert_eq!(replayed, first);
    assert_eq!((first.tier, first.version), (Tier::Silver, 1));

    // Another execution saved Silver at version 1 with other points: this execution's write never happened.
    let (input, account, change) = silver_upgrade("u2");
    harness
        .tiers()
        .save_tier("u2", Tier::Silver, 610, 0, "2026-11-24T10:00:00.000Z")
        .await
        .unwrap();
    let conflict = activities
        .upgrade_tier(&input, &account, &change)
        .await
        .unwrap_err();
    assert_eq!(conflict.kind(), ErrorKind::VersionConflict);

    // A newer execution went on to Gold after this one's own write: a replay now is a conflict too.
    let (input, account, change) = silver_upgrade("u1");
    harness
        .tiers()
        .save_tier("u1", Tier::Gold, 1500, 1, "2026-11-24T10:01:00.000Z")
        .await
        .unwrap();
    let conflict = activities
        .upgrade_tier(&input, &account, &change)
        .await
        .unwrap_err();
    assert_eq!(conflict.kind(), ErrorKind::VersionConflict);
    let item = harness.tiers().load_tier("u1").await.unwrap().unwrap();
    assert_eq!((item.tier, item.version), (Tier::Gold, 2));
    harness.stop().await;
}
