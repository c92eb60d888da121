//! Polling with a deadline: events are processed asynchronously, so tests wait for an observable state instead of
//! sleeping for a fixed time.

use std::future::Future;
use std::time::Duration;

use anyhow::bail;

/// Calls `probe` until it returns `Some`, or fails after `timeout` with `what` and the last observation.
///
/// `probe` returns `Ok(Ok(value))` when done, `Ok(Err(observation))` to keep waiting (the observation is shown if
/// the deadline passes), and `Err` to stop at once.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Result<T, String>>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pause = Duration::from_millis(20);
    loop {
        let observation = match probe().await? {
            Ok(value) => return Ok(value),
            Err(observation) => observation,
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}; last seen: {observation}");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
