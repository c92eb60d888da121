//! What generated code calls. Not a stable API: only `workflow!` expansions use these paths.

pub use aws_durable_execution_sdk::{
    BoxError, DurableContext, OperationError, RetryDecision, StepContext, StepSemantics,
};
pub use std::sync::Arc;
pub use std::time::Duration;

pub use crate::activity_error::{ActivityError, DeclaredErrorKind};
pub use crate::error_kind::{
    CALLBACK_FAILED, CALLBACK_TIMEOUT, INVOKE_FAILED, POLL_TIMEOUT, TOO_MANY_FAILURES,
    child_failed, into_step_error, kind_of, map_failure_kind,
};
pub use crate::function_target::{FunctionTarget, MissingFunctionConfig};
pub use crate::group::{GroupExit, Never, group_body};
pub use crate::poll::{PollDone, PollPolicy, poll, poll_done, poll_failure_kind};
pub use crate::replay::{Operations, start_execution};
pub use crate::retry::{Jitter, RetryPolicy, never_retry};
pub use crate::workflow_failed::workflow_failed;
pub use aws_durable_execution_sdk::builders::map_parallel::CompletionConfig;

/// A boxed handler future, the shape `aws_durable_execution_sdk::run` and `wrap` accept from a
/// function that returns a closure.
pub type HandlerFuture<O> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<O, BoxError>> + Send + 'static>>;

/// Turns a failure no catch clause handles into the handler's error: an operation's error, or the error a
/// `poll` step already made of its failure.
pub fn uncaught(error: impl Into<BoxError>) -> BoxError {
    error.into()
}

/// What a `map` step's `items:` may name: a list of its `item:` type.
#[diagnostic::on_unimplemented(
    message = "the `items` of a `map` step must be a `Vec<{T}>` (its `item` type), found `{Self}`",
    label = "`items:` names this value",
    note = "`items: <step>.<field>` names a `Vec` field of an earlier step's output, and `item:` its element type"
)]
pub trait MapItems<T> {
    /// The elements, in order.
    fn elements(&self) -> &[T];
}

impl<T> MapItems<T> for Vec<T> {
    fn elements(&self) -> &[T] {
        self
    }
}

impl<T> MapItems<T> for [T] {
    fn elements(&self) -> &[T] {
        self
    }
}

/// The elements of a `map` step's list, checked against its `item` type.
pub fn map_items<T, L: MapItems<T> + ?Sized>(list: &L) -> &[T] {
    list.elements()
}

/// The `(start, end)` bounds of the batches of a `map` step with `batch: size` over `len` elements, in order:
/// each batch holds `size` elements, the last one the rest.
pub fn batches(len: usize, size: usize) -> Vec<(usize, usize)> {
    let size = size.max(1);
    (0..len)
        .step_by(size)
        .map(|start| (start, start.saturating_add(size).min(len)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn batches_cover_every_element_once_in_order() {
        assert_eq!(batches(5, 2), [(0, 2), (2, 4), (4, 5)]);
        assert_eq!(batches(4, 2), [(0, 2), (2, 4)]);
        assert_eq!(batches(0, 3), []);
        assert_eq!(batches(2, 10), [(0, 2)]);
    }
}
