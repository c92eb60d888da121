//! The first operation of every execution: the spec hash and the operations' fingerprints. Executions that
//! recorded the spec hash alone (before fingerprints were recorded) replay under code generated from the same
//! spec file and fail, naming both hashes, under any other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_durable_execution_sdk::test_util::LocalRunner;
use aws_durable_execution_sdk::{BoxError, DurableContext};
use workflow_runtime::__private::start_execution;
use workflow_runtime::SPEC_HASH_OPERATION;

const OPERATIONS: &[(&str, &str)] = &[("cool-down", "0a1b2c3d")];

/// A one-wait workflow whose first invocation records the spec hash `spec-v1` alone, as code generated
/// before fingerprints did, and whose replays run code generated from `replay_hash`.
fn started_by_older_code(
    invocations: Arc<AtomicU32>,
    replay_hash: &'static str,
) -> impl Fn(
    u32,
    DurableContext,
) -> std::pin::Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send>>
+ Send
+ Sync
+ 'static {
    move |value, ctx| {
        let invocation = invocations.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if invocation == 0 {
                let _: String = ctx
                    .step(|_| async { Ok("spec-v1".to_owned()) })
                    .name(SPEC_HASH_OPERATION)
                    .await?;
                ctx.wait(Duration::from_secs(30)).name("cool-down").await?;
                unreachable!("the wait suspends the first invocation");
            }
            let operations = start_execution(&ctx, replay_hash, OPERATIONS).await?;
            ctx.wait(Duration::from_secs(30))
                .name(operations.name("cool-down"))
                .await?;
            Ok(value + 1)
        })
    }
}

#[tokio::test]
async fn a_spec_hash_record_replays_under_code_from_the_same_spec() {
    let invocations = Arc::new(AtomicU32::new(0));
    let result = LocalRunner::new()
        .run(
            started_by_older_code(Arc::clone(&invocations), "spec-v1"),
            41,
        )
        .await;
    assert_eq!(result.output(), Some(&42), "{:?}", result.error_message());
    assert_eq!(invocations.load(Ordering::SeqCst), 2);
    assert_eq!(result.operations()[0].result(), Some("\"spec-v1\""));
    assert_eq!(result.operations()[1].name(), Some("cool-down"));
}

#[tokio::test]
async fn a_spec_hash_record_fails_under_code_from_another_spec_naming_both_hashes() {
    let invocations = Arc::new(AtomicU32::new(0));
    let result = LocalRunner::new()
        .run(
            started_by_older_code(Arc::clone(&invocations), "spec-v2"),
            41,
        )
        .await;
    assert!(result.is_failure());
    assert_eq!(invocations.load(Ordering::SeqCst), 2);
    assert_eq!(result.error_type(), Some("SpecHashMismatch"));
    let message = result.error_message().unwrap();
    assert!(
        message.contains("started by workflow spec spec-v1")
            && message.contains("generated from spec spec-v2"),
        "{message}"
    );
}

#[tokio::test]
async fn a_new_execution_records_the_spec_hash_and_every_fingerprint() {
    let result = LocalRunner::new()
        .run(
            |value: u32, ctx: DurableContext| async move {
                let operations = start_execution(&ctx, "spec-v3", OPERATIONS).await?;
                ctx.wait(Duration::from_secs(1))
                    .name(operations.name("cool-down"))
                    .await?;
                Ok::<_, BoxError>(value + 1)
            },
            1,
        )
        .await;
    assert_eq!(result.output(), Some(&2), "{:?}", result.error_message());
    assert_eq!(result.operations()[0].name(), Some(SPEC_HASH_OPERATION));
    assert_eq!(
        result.operations()[0].result(),
        Some(r#"{"spec":"spec-v3","operations":{"cool-down":"0a1b2c3d"}}"#)
    );
    assert_eq!(result.operations()[1].name(), Some("cool-down"));
}
