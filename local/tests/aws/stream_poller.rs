//! The stream poller of `serve --backend aws` on moto: a record whose events cannot be published is tried 3 times,
//! then goes to the failure queue with its reason, and the shard moves on (behaviour F9: nothing lost silently).

use std::time::Duration;

use crate::moto::Moto;
use loyalty_lambdas::aws::DynamoAccountStore;
use loyalty_lambdas::aws::stream_reader::{StartAt, StreamReader};
use loyalty_lambdas::functions::points_updated::PointsUpdatedFunction;
use loyalty_local::aws_backend::stream_poller::{Checkpoints, FailureQueue, run_stream_poller};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::ports::SystemClock;
use loyalty_service::use_cases::credit_points;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_record_that_fails_three_times_goes_to_the_failure_queue_and_the_checkpoint_moves_past_it()
 {
    let moto = Moto::start().await;
    let stream_arn = moto.create_table("points").await;
    let failure_queue = moto
        .sqs()
        .create_queue()
        .queue_name("failures")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let store = DynamoAccountStore::new(moto.dynamodb(), "points");
    let welcome = CreditCommand {
        user_id: "u1".into(),
        key: CreditKey::WelcomeBonus,
    };
    credit_points(&store, &SystemClock, &welcome).await.unwrap();

    let data = tempfile::tempdir().unwrap();
    let reader = StreamReader::new(
        aws_sdk_dynamodbstreams::Client::new(&moto.config),
        &stream_arn,
    );
    // No bus of that name exists: every publish fails.
    let function = PointsUpdatedFunction::new(&moto.config, "no-such-bus", "dev");
    let failures = FailureQueue {
        sqs: moto.sqs(),
        queue_url: failure_queue.clone(),
    };
    let stop = CancellationToken::new();
    let poller = tokio::spawn(run_stream_poller(
        reader.clone(),
        function,
        failures,
        Checkpoints::load(data.path()).unwrap(),
        stop.clone(),
    ));

    let dead = moto.receive_sqs_event(&failure_queue, 1).await;
    let body: Value = serde_json::from_str(dead["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["reason"], "publish failed 3 times");
    assert_eq!(body["record"]["dynamodb"]["NewImage"]["Points"]["N"], "100");
    assert_eq!(body["record"]["eventName"], "INSERT");

    // The shard moved on: the checkpoint reaches the stream's last record (the credit record after the account's).
    let all = moto.stream_event(&stream_arn).await;
    let records = all["Records"].as_array().unwrap();
    let sequence = |r: &Value| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned();
    let dead_at = records
        .iter()
        .position(|r| sequence(r) == sequence(&body["record"]))
        .unwrap();
    assert!(
        dead_at < records.len() - 1,
        "the dead-lettered record is not the last one"
    );
    let last_sequence = sequence(records.last().unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let shard = reader.shards().await.unwrap().remove(0);
        if Checkpoints::load(data.path()).unwrap().start_of(&shard)
            == StartAt::After(last_sequence.clone())
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the checkpoint did not reach the last record"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), poller)
        .await
        .unwrap()
        .unwrap();
}
