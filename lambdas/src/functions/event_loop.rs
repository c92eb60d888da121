//! The invocation loop every event-driven function runs: `lambda_runtime` hands each event to the function's
//! `handle`, and the spans of the invocation are flushed before the answer, while the process still runs (a
//! frozen Lambda exports nothing).

use std::future::Future;

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use loyalty_service::telemetry::Flusher;

/// Runs `handle` for every event of type `E` until the runtime stops, flushing spans after each invocation.
pub async fn run_events<E, R, F, Fut>(
    flusher: Flusher,
    handle: F,
) -> Result<(), lambda_runtime::Error>
where
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(E) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = R> + Send,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| {
        let handle = handle.clone();
        let flusher = flusher.clone();
        async move {
            let response = handle(event.payload).await;
            flusher.flush().await;
            Ok::<_, lambda_runtime::Error>(response)
        }
    }))
    .await
}
