//! Recovering the declared error kind of a failed durable operation, live or replayed.
//!
//! Activity errors cross the SDK boundary wrapped in a [`TypedError`] whose type is the kind's
//! name, so the execution history records `ErrorType: "VersionConflict"`. On the live path the
//! `TypedError` is still in the source chain; on replay only the recorded wire type survives.

use aws_durable_execution_sdk::{
    BoxError, CallbackErrorKind, ChildContextErrorKind, InvokeErrorKind, OperationError,
    OperationErrorKind, ReplayedFailure, TypedError,
};

use crate::activity_error::{ActivityError, DeclaredErrorKind};

/// The built-in kind of a callback not completed before its `timeout` or `heartbeat`.
pub const CALLBACK_TIMEOUT: &str = "CallbackTimeout";
/// The built-in kind of a callback completed with a failure by its external caller.
pub const CALLBACK_FAILED: &str = "CallbackFailed";
/// The built-in kind of a chained invoke whose function failed.
pub const INVOKE_FAILED: &str = "InvokeFailed";

/// The built-in kind of a map step whose elements failed more often than `tolerated-failures` allows.
pub const TOO_MANY_FAILURES: &str = "TooManyFailures";

/// The built-in kind of a poll step not done within its `max-attempts` or `deadline`.
pub use crate::poll::POLL_TIMEOUT;

/// How deep the source chain is searched; the SDK nests at most a few layers.
const CHAIN_LIMIT: usize = 16;

/// Boxes an activity error for a step body, recording its kind as the wire `ErrorType`.
pub fn into_step_error<K: DeclaredErrorKind>(error: ActivityError<K>) -> BoxError {
    Box::new(TypedError::with_type(error.kind().name(), error))
}

/// The declared kind named anywhere in `error`'s source chain, if any.
pub fn kind_in_chain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut link = Some(error);
    for _ in 0..CHAIN_LIMIT {
        let current = link?;
        if let Some(typed) = current.downcast_ref::<TypedError>() {
            return Some(typed.error_type().to_owned());
        }
        if let Some(replayed) = current.downcast_ref::<ReplayedFailure>() {
            return replayed.error_type().map(str::to_owned);
        }
        link = current.source();
    }
    None
}

/// The kind an activity's typed error records, when one is in `error`'s source chain (live failures only:
/// a replayed failure carries the recorded type instead).
pub fn typed_kind_in_chain(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut link = Some(error);
    for _ in 0..CHAIN_LIMIT {
        let current = link?;
        if let Some(typed) = current.downcast_ref::<TypedError>() {
            return Some(typed.error_type().to_owned());
        }
        link = current.source();
    }
    None
}

/// The kind a catch clause matches a failed operation against.
///
/// Callback and invoke failures map to the built-in kinds ([`CALLBACK_TIMEOUT`],
/// [`CALLBACK_FAILED`], [`INVOKE_FAILED`]); a failed activity to the declared kind it reported,
/// live or replayed. `None` for failures of no declared kind (a serialization failure, an SDK
/// error), which no catch clause handles.
pub fn kind_of(error: &OperationError) -> Option<String> {
    match error.kind() {
        OperationErrorKind::Callback(callback) => match callback.kind() {
            CallbackErrorKind::TimedOut { .. } | CallbackErrorKind::HeartbeatTimedOut { .. } => {
                return Some(CALLBACK_TIMEOUT.to_owned());
            }
            CallbackErrorKind::ExternalFailure { .. } => return Some(CALLBACK_FAILED.to_owned()),
            _ => {}
        },
        OperationErrorKind::Invoke(invoke) => {
            if matches!(invoke.kind(), InvokeErrorKind::FunctionFailed { .. }) {
                return Some(INVOKE_FAILED.to_owned());
            }
        }
        _ => {}
    }
    kind_in_chain(error).or_else(|| {
        error
            .wire()
            .and_then(|wire| wire.error_type())
            .map(str::to_owned)
    })
}

/// The kind a catch clause of a `map` step matches: [`TOO_MANY_FAILURES`] when the map ended because its
/// elements failed more often than tolerated (live or replayed), `None` for any other failure (which no catch
/// clause handles).
pub fn map_failure_kind(error: &OperationError) -> Option<String> {
    match error.kind() {
        OperationErrorKind::ChildContext(child)
            if matches!(child.kind(), ChildContextErrorKind::ChildFailed { .. }) =>
        {
            Some(TOO_MANY_FAILURES.to_owned())
        }
        _ => None,
    }
}

/// The failure of a step that runs a child context (a `group`, a `use` step) as the failure of what failed inside
/// it: the same error type and message, without the child context's own `child failed` frame. Any other failure
/// is returned as it is.
pub fn child_failed(error: OperationError) -> BoxError {
    let wire = match (error.kind(), error.wire()) {
        (OperationErrorKind::ChildContext(_), Some(wire)) => wire,
        _ => return error.into(),
    };
    let (Some(error_type), Some(message)) = (wire.error_type(), wire.error_message()) else {
        return error.into();
    };
    // The SDK records the child's failure as `child function error: <type>: <message>` (the failure's own
    // display after the SDK's frame); keep `<message>`, which the error type then prefixes again.
    let message = message.strip_prefix(CHILD_FRAME).unwrap_or(message);
    let message = message
        .strip_prefix(error_type)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(message);
    Box::new(TypedError::with_type(
        error_type.to_owned(),
        ChildFailure(message.to_owned()),
    ))
}

/// The frame the SDK puts before the message of a failure inside a child context.
const CHILD_FRAME: &str = "child function error: ";

/// What failed inside a child context, by its recorded message.
#[derive(Debug)]
struct ChildFailure(String);

impl std::fmt::Display for ChildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChildFailure {}
