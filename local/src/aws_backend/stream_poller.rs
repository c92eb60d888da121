//! A local stand-in for Lambda's DynamoDB stream event source mapping: reads each shard in order, passes pages to
//! the stream function, and keeps the last processed sequence number per shard in a checkpoint file in the data
//! directory, so a restart continues where the previous process stopped (nothing published twice from a
//! finished page, nothing skipped). A record that fails 3 times is sent to the failure queue with its reason
//! (behaviour F9) and the shard moves on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use serde_json::{Value, json};

use loyalty_lambdas::aws::stream_reader::{StartAt, StreamReader};
use loyalty_lambdas::functions::points_updated::PointsUpdatedFunction;

/// Attempts of a failing record before it goes to the failure queue (Lambda's `retryAttempts` 2, plus the first).
pub const MAX_ATTEMPTS: u32 = 3;
/// The checkpoint file in the data directory.
pub const CHECKPOINT_FILE: &str = "aws-stream-checkpoints.json";
const IDLE_POLL: Duration = Duration::from_millis(200);

/// The last processed sequence number of each shard, on disk.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    path: PathBuf,
    positions: HashMap<String, String>,
}

impl Checkpoints {
    /// Loads `<data_dir>/aws-stream-checkpoints.json` (empty when absent).
    pub fn load(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(CHECKPOINT_FILE);
        let positions = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => return Err(e),
        };
        Ok(Self { path, positions })
    }

    /// Where to start reading `shard`.
    pub fn start_of(&self, shard: &str) -> StartAt {
        self.positions
            .get(shard)
            .map_or(StartAt::TrimHorizon, |s| StartAt::After(s.clone()))
    }

    /// Records `sequence` as processed and writes the file (atomically: a temporary file renamed over it).
    pub fn advance(&mut self, shard: &str, sequence: &str) -> std::io::Result<()> {
        self.positions.insert(shard.to_owned(), sequence.to_owned());
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec(&self.positions)?)?;
        std::fs::rename(&temporary, &self.path)
    }
}

/// Where failed records go: the stream failure queue.
#[derive(Debug, Clone)]
pub struct FailureQueue {
    /// The SQS client.
    pub sqs: aws_sdk_sqs::Client,
    /// `LoyaltyService-LoyaltyPointsUpdatedFailureDLQ-<ENV>`.
    pub queue_url: String,
}

fn sequence_of(record: &EventRecord) -> String {
    record.change.sequence_number.clone().unwrap_or_default()
}

fn first_failure(response: &Value) -> Option<String> {
    response["batchItemFailures"].as_array()?.first()?["itemIdentifier"]
        .as_str()
        .map(str::to_owned)
}

/// Reads every shard of `reader`'s stream until `stop`, one task per shard present at start.
pub async fn run_stream_poller(
    reader: StreamReader,
    function: PointsUpdatedFunction,
    failures: FailureQueue,
    mut checkpoints: Checkpoints,
    stop: CancellationToken,
) {
    let shards = loop {
        match reader.shards().await {
            Ok(shards) => break shards,
            Err(error) => {
                tracing::warn!(%error, "cannot list the stream's shards; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.cancelled() => return,
                }
            }
        }
    };
    for shard in shards {
        if stop.is_cancelled() {
            return;
        }
        if let Err(error) = read_shard(
            &reader,
            &function,
            &failures,
            &mut checkpoints,
            &shard,
            &stop,
        )
        .await
        {
            tracing::error!(%shard, %error, "stream shard reader stopped");
        }
    }
}

async fn read_shard(
    reader: &StreamReader,
    function: &PointsUpdatedFunction,
    failures: &FailureQueue,
    checkpoints: &mut Checkpoints,
    shard: &str,
    stop: &CancellationToken,
) -> Result<(), String> {
    let mut start = checkpoints.start_of(shard);
    let mut attempts = 0;
    loop {
        if stop.is_cancelled() {
            return Ok(());
        }
        // A fresh iterator for every page, from the position reached: moto replaces a table's stream shard when
        // it rolls back a failed transaction, and an old iterator would never see later records (on AWS,
        // iterators also expire after 15 minutes).
        let iterator = reader
            .iterator(shard, &start)
            .await
            .map_err(|e| e.to_string())?;
        let page = reader.page(&iterator).await.map_err(|e| e.to_string())?;
        if page.records.is_empty() {
            if page.next.is_none() {
                return Ok(()); // a closed shard, fully read
            }
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.cancelled() => return Ok(()),
            }
            continue;
        }
        let mut event = Event::default();
        event.records = page.records.clone();
        let response = function.handle(&event).await;
        let Some(failed) = first_failure(&response) else {
            if let Some(last) = page.records.last() {
                let last = sequence_of(last);
                checkpoints
                    .advance(shard, &last)
                    .map_err(|e| e.to_string())?;
                start = StartAt::After(last);
            }
            attempts = 0;
            continue;
        };
        // Everything before the failed record is done.
        let position = page
            .records
            .iter()
            .position(|r| sequence_of(r) == failed)
            .unwrap_or(0);
        if position > 0 {
            checkpoints
                .advance(shard, &sequence_of(&page.records[position - 1]))
                .map_err(|e| e.to_string())?;
            attempts = 0;
        }
        attempts += 1;
        if attempts >= MAX_ATTEMPTS {
            let record = &page.records[position];
            let body =
                json!({"reason": format!("publish failed {MAX_ATTEMPTS} times"), "record": record});
            failures
                .sqs
                .send_message()
                .queue_url(&failures.queue_url)
                .message_body(body.to_string())
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "cannot dead-letter record {failed}: {}",
                        aws_sdk_sqs::error::DisplayErrorContext(e)
                    )
                })?;
            tracing::error!(
                sequence_number = %failed,
                "stream record sent to the failure queue after {MAX_ATTEMPTS} attempts"
            );
            checkpoints
                .advance(shard, &failed)
                .map_err(|e| e.to_string())?;
            attempts = 0;
            start = StartAt::After(failed);
        } else {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500 * u64::from(attempts))) => {}
                _ = stop.cancelled() => return Ok(()),
            }
            start = StartAt::At(failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_survive_a_reload_and_start_after_the_last_processed_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut checkpoints = Checkpoints::load(dir.path()).unwrap();
        assert_eq!(checkpoints.start_of("shard-1"), StartAt::TrimHorizon);
        checkpoints.advance("shard-1", "000100").unwrap();
        checkpoints.advance("shard-1", "000200").unwrap();
        let reloaded = Checkpoints::load(dir.path()).unwrap();
        assert_eq!(
            reloaded.start_of("shard-1"),
            StartAt::After("000200".into())
        );
        assert_eq!(reloaded.start_of("shard-2"), StartAt::TrimHorizon);
        assert!(!dir.path().join("aws-stream-checkpoints.json.tmp").exists());
    }

    #[test]
    fn an_unreadable_checkpoint_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CHECKPOINT_FILE), "not json").unwrap();
        let error = Checkpoints::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains(CHECKPOINT_FILE), "{error}");
    }
}
