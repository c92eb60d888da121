//! Runtime support for the typed durable orchestrators that `workflow!` generates from a
//! `*.workflow.yaml` spec.
//!
//! This is the only crate of the workflow compiler that depends on the official
//! `aws-durable-execution-sdk`; generated code reaches it through the absolute paths of
//! [`__private`], so a user crate depends on `workflow-runtime` alone.
//!
//! What lives here, once, instead of in every expansion:
//! - [`ActivityError`]: the error an activity returns, tagged with one of the spec's declared kinds;
//! - [`RetryPolicy`]: a spec `retry` block turned into an SDK retry strategy that only retries the
//!   listed kinds;
//! - the spec-hash check recorded as the first durable operation ([`SpecHashMismatch`]);
//! - [`FunctionTarget`]: where an `invoke` step sends its input.
#![warn(missing_docs)]

mod activity_error;
mod error_kind;
mod function_target;
mod retry;
mod spec_hash;
mod workflow_failed;

pub mod __private;

/// `workflow!("file.workflow.yaml")`: generates `pub mod <workflow>` from the spec (path relative
/// to the crate's `Cargo.toml` directory).
pub use workflow_macros::workflow;

pub use activity_error::{ActivityError, DeclaredErrorKind};
pub use function_target::{FunctionTarget, InProcessFunction, MissingFunctionConfig};
pub use retry::{Jitter, RetryPolicy};
pub use spec_hash::{SPEC_HASH_OPERATION, SpecHashMismatch};
pub use workflow_failed::WorkflowFailed;
