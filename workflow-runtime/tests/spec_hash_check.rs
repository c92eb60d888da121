//! The spec hash recorded as the first operation: a replay under another spec fails loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_durable_execution_sdk::test_util::LocalRunner;
use aws_durable_execution_sdk::{BoxError, DurableContext};
use workflow_runtime::__private::check_spec_hash;

/// A one-wait workflow whose first invocation runs "spec v1" and whose replays run "spec v2",
/// as if the function were redeployed while the execution waited.
fn redeployed_during_the_wait(
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
            let spec = if invocation == 0 {
                "spec-v1"
            } else {
                replay_hash
            };
            check_spec_hash(&ctx, spec).await?;
            ctx.wait(Duration::from_secs(30)).name("cool-down").await?;
            Ok(value + 1)
        })
    }
}

#[tokio::test]
async fn a_replay_under_a_different_spec_fails_naming_both_hashes() {
    let invocations = Arc::new(AtomicU32::new(0));

    let result = LocalRunner::new()
        .run(
            redeployed_during_the_wait(Arc::clone(&invocations), "spec-v2"),
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
async fn a_replay_under_the_same_spec_completes() {
    let invocations = Arc::new(AtomicU32::new(0));

    let result = LocalRunner::new()
        .run(
            redeployed_during_the_wait(Arc::clone(&invocations), "spec-v1"),
            41,
        )
        .await;

    assert_eq!(result.output(), Some(&42));
    assert_eq!(invocations.load(Ordering::SeqCst), 2);
    assert_eq!(result.operations()[0].name(), Some("workflow:spec-hash"));
    assert_eq!(result.operations()[0].result(), Some("\"spec-v1\""));
}
