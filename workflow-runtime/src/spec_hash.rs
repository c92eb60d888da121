//! The spec hash, recorded as the first durable operation of every execution.
//!
//! On the first invocation the step stores the hash of the spec the code was generated from;
//! every replay reads the stored value back. A replay by code generated from a different spec
//! would otherwise feed old results into new steps; instead it fails with both hashes.

use aws_durable_execution_sdk::{BoxError, DurableContext, TypedError};

/// The name of the durable operation that records the spec hash. It cannot clash with a
/// step id, which the spec restricts to kebab-case.
pub const SPEC_HASH_OPERATION: &str = "workflow:spec-hash";

/// A replay under a spec other than the one the execution started with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "this execution was started by workflow spec {recorded} and is being replayed by code \
     generated from spec {current}; finish or stop executions before changing the spec, or \
     deploy the change under a new function version"
)]
pub struct SpecHashMismatch {
    /// The hash the execution recorded when it started.
    pub recorded: String,
    /// The hash of the spec the running code was generated from.
    pub current: String,
}

/// Records `current` on the first run, and compares it with the recorded hash on replays.
pub async fn check_spec_hash(ctx: &DurableContext, current: &'static str) -> Result<(), BoxError> {
    let recorded: String = ctx
        .step(move |_| async move { Ok(current.to_owned()) })
        .name(SPEC_HASH_OPERATION)
        .retry_strategy(crate::retry::never_retry())
        .await?;
    if recorded == current {
        return Ok(());
    }
    let mismatch = SpecHashMismatch {
        recorded,
        current: current.to_owned(),
    };
    tracing::error!(recorded = %mismatch.recorded, current = %mismatch.current, "{mismatch}");
    Err(Box::new(TypedError::with_type(
        "SpecHashMismatch",
        mismatch,
    )))
}
