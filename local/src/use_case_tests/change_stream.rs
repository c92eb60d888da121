//! `loyalty_service::handlers::change_stream` against the SQLite adapters.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::bus::{Bus, BusPublisher};
use crate::embedded::archive::list_archive;
use crate::embedded::queues::DEFAULT_VISIBILITY_TIMEOUT_MS;
use crate::embedded::{Database, Queues, Topology};
use loyalty_service::core::account::BalanceChange;
use loyalty_service::handlers::batch::BatchOutcome;
use loyalty_service::handlers::change_stream::*;
use loyalty_service::ports::SystemClock;

#[tokio::test]
async fn changes_are_published_in_order_with_each_pair_sharing_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(&dir.path().join("s.sqlite3")).unwrap());
    let queues = Arc::new(Queues::new(
        db.clone(),
        HashMap::new(),
        DEFAULT_VISIBILITY_TIMEOUT_MS,
    ));
    let bus = Arc::new(Bus::new(db.clone(), queues, Topology::for_env("dev")));
    let records: Vec<StreamRecord> = (0..7)
        .map(|i| StreamRecord {
            sequence_number: i.to_string(),
            change: BalanceChange {
                user_id: "u1".into(),
                old_points: (i > 0).then_some(i * 50),
                new_points: (i + 1) * 50,
                expected_version: i,
                new_version: i + 1,
            },
        })
        .collect();
    let outcome = handle_stream_batch(&BusPublisher::new(bus), &SystemClock, "dev", &records).await;
    assert_eq!(outcome, BatchOutcome::default());

    let archive = list_archive(&db).unwrap();
    assert_eq!(archive.len(), 14);
    for (i, pair) in archive.chunks(2).enumerate() {
        assert_eq!(pair[0].detail_type, "loyalty.pointsAdded.v1");
        assert_eq!(pair[1].detail_type, "loyalty.pointsAdded.v2");
        assert_eq!(pair[0].detail["id"], pair[1].detail["id"]);
        assert_eq!(
            pair[1].detail["data"]["totalPoints"],
            Value::from((i as i64 + 1) * 50)
        );
        assert_eq!(pair[1].detail["data"]["difference"], Value::from(50));
    }
}
