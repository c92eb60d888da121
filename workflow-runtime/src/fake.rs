//! Programmable replies for the fake `Activities` that `workflow!` generates with the `fakes` feature.
//!
//! Each method of the generated `fake::FakeActivities` answers from its own [`Replies`]: a queue of results,
//! a value or an error of a declared kind, taken in order, one per call. A test queues what each activity
//! should answer, runs the workflow, and then reads how often each one was called.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::activity_error::{ActivityError, DeclaredErrorKind};

/// The queued results of one activity method.
pub struct Replies<T, K: DeclaredErrorKind> {
    method: &'static str,
    step: &'static str,
    queue: Mutex<VecDeque<Result<T, (K, String)>>>,
    calls: AtomicUsize,
}

/// Without the values, which need not be `Debug`.
impl<T, K: DeclaredErrorKind> std::fmt::Debug for Replies<T, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replies")
            .field("method", &self.method)
            .field("step", &self.step)
            .field("queued", &self.remaining())
            .field("calls", &self.calls())
            .finish()
    }
}

impl<T, K: DeclaredErrorKind> Replies<T, K> {
    /// No reply queued yet for `method`, the activity of step `step`.
    pub fn new(method: &'static str, step: &'static str) -> Self {
        Self {
            method,
            step,
            queue: Mutex::new(VecDeque::new()),
            calls: AtomicUsize::new(0),
        }
    }

    /// Queues a successful reply.
    pub fn ok(&self, value: T) -> &Self {
        self.push(Ok(value));
        self
    }

    /// Queues a failure of `kind` with `message`.
    pub fn fail(&self, kind: K, message: impl Into<String>) -> &Self {
        self.push(Err((kind, message.into())));
        self
    }

    fn push(&self, reply: Result<T, (K, String)>) {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push_back(reply);
    }

    /// How many times the method was called.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// How many queued replies no call has taken yet.
    pub fn remaining(&self) -> usize {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// The next reply, for one call of the method.
    ///
    /// # Panics
    ///
    /// When no reply is left: the test did not say what this call answers, which is a mistake in the test.
    #[allow(clippy::panic)]
    pub fn next(&self) -> Result<T, ActivityError<K>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let reply = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front();
        match reply {
            Some(Ok(value)) => Ok(value),
            Some(Err((kind, message))) => Err(ActivityError::new(kind, message)),
            None => panic!(
                "the fake activity `{}` (step `{}`) was called {} times but has no reply queued for this call; \
                 queue one with `.ok(value)` or `.fail(kind, message)`",
                self.method,
                self.step,
                self.calls()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Replies;
    use crate::activity_error::DeclaredErrorKind;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Transient,
    }

    impl DeclaredErrorKind for Kind {
        fn name(self) -> &'static str {
            "Transient"
        }
    }

    #[test]
    fn replies_are_taken_in_order_and_calls_are_counted() {
        let replies: Replies<u32, Kind> = Replies::new("read_account", "read-account");
        replies.fail(Kind::Transient, "reset").ok(7);
        assert_eq!(replies.remaining(), 2);
        let first = replies.next().unwrap_err();
        assert_eq!((first.kind(), first.message()), (Kind::Transient, "reset"));
        assert_eq!(replies.next().unwrap(), 7);
        assert_eq!((replies.calls(), replies.remaining()), (2, 0));
        let missing = std::panic::catch_unwind(|| replies.next()).unwrap_err();
        let message = missing.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with(
                "the fake activity `read_account` (step `read-account`) was called 3 times but has no reply queued"
            ),
            "{message}"
        );
    }
}
