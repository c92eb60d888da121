//! A `poll` step on the SDK's wait-for-condition operation: the check activity runs as one
//! checkpointed attempt of the operation, and the wait before the next check is the operation's
//! own durable retry delay (the execution suspends in between).
//!
//! Everything a check decides is made while the check runs live and is recorded in the state the
//! SDK checkpoints with the attempt: how many checks were not done, how many consecutive check
//! failures were retried, when the first check started, how long the poll has waited, the last
//! output, and what comes next (done, wait so long, give up). The wait strategy only reads that
//! decision back, so a replay never decides anything again.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_durable_execution_sdk::builders::wait_for_condition::WaitDecision;
use aws_durable_execution_sdk::{
    BoxError, DurableContext, OperationError, OperationErrorKind, RetryDecision, TypedError,
    WaitForConditionErrorKind,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error_kind::{kind_in_chain, typed_kind_in_chain};
use crate::retry::{RetryPolicy, grown, whole_seconds};

/// The built-in kind of a poll step whose check was not done within `max-attempts` or `deadline`.
pub const POLL_TIMEOUT: &str = "PollTimeout";

/// The bounds and waits of one `poll` step, copied from the spec by generated code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// The wait after the first check that is not done.
    pub interval: Duration,
    /// Factor applied to the wait after each further check that is not done (1.0: a fixed interval).
    pub backoff_rate: f64,
    /// Upper bound of a wait.
    pub max_interval: Duration,
    /// The most checks; `None` when only the deadline bounds the poll.
    pub max_attempts: Option<u32>,
    /// No check starts later than this after the first one; `None` when only `max_attempts` bounds the poll.
    pub deadline: Option<Duration>,
}

/// What follows a check, decided while it runs and checkpointed with its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Next {
    /// The output is done: the poll completes with it.
    Done,
    /// Check again after this many seconds.
    Wait {
        /// Whole seconds, at least 1 (the service schedules retries in seconds).
        seconds: u64,
    },
    /// The poll is over without a done output: it fails with `PollTimeout`.
    GiveUp {
        /// Why, for the error message.
        reason: String,
    },
}

impl PollPolicy {
    /// The wait after the `check`-th check (1-based) that was not done:
    /// `interval * backoff^(check - 1)`, at most `max_interval`, rounded up to whole seconds (at least 1).
    pub fn interval_after(&self, check: u32) -> Duration {
        whole_seconds(grown(
            self.interval,
            self.backoff_rate,
            check,
            self.max_interval,
        ))
    }

    /// What follows the `checks`-th check that was not done, `elapsed` after the first check started.
    pub fn after_not_done(&self, checks: u32, elapsed: Duration) -> Next {
        if let Some(max) = self.max_attempts
            && checks >= max
        {
            let plural = if checks == 1 { "" } else { "s" };
            return Next::GiveUp {
                reason: format!("not done after {checks} check{plural} (max-attempts: {max})"),
            };
        }
        let wait = self.interval_after(checks);
        if self.past_deadline(elapsed, wait) {
            let plural = if checks == 1 { "" } else { "s" };
            return Next::GiveUp {
                reason: format!(
                    "not done after {checks} check{plural}: the next check would start after the deadline ({})",
                    format_duration(self.deadline.unwrap_or_default())
                ),
            };
        }
        Next::Wait {
            seconds: wait.as_secs(),
        }
    }

    /// Whether a check started after waiting `wait` more would start later than the deadline.
    fn past_deadline(&self, elapsed: Duration, wait: Duration) -> bool {
        self.deadline
            .is_some_and(|deadline| elapsed.saturating_add(wait) > deadline)
    }
}

/// What a poll carries from one check to the next (the SDK checkpoints it with every attempt).
#[derive(Debug)]
pub struct PollState<T> {
    /// When the first check started, in milliseconds since the Unix epoch.
    started_at_ms: Option<u64>,
    /// The waits scheduled so far (between checks and before retried checks), in seconds.
    waited_seconds: u64,
    /// Checks whose output was not done.
    checks: u32,
    /// Consecutive failed checks that were retried.
    failures: u32,
    /// The output of the last check that returned one.
    output: Option<Arc<T>>,
    /// What follows the last check.
    next: Next,
}

impl<T> PollState<T> {
    /// The state before the first check.
    pub fn start() -> Self {
        Self {
            started_at_ms: None,
            waited_seconds: 0,
            checks: 0,
            failures: 0,
            output: None,
            next: Next::Done,
        }
    }

    /// How long the poll has been running: the clock's time since the first check started, and never
    /// less than the waits already scheduled (so a clock that lags behind cannot stretch the deadline).
    fn elapsed(&self, now_ms: u64) -> Duration {
        let started = self.started_at_ms.unwrap_or(now_ms);
        let by_clock = Duration::from_millis(now_ms.saturating_sub(started));
        by_clock.max(Duration::from_secs(self.waited_seconds))
    }

    /// The state after a check that returned `output` at `now_ms`.
    pub fn after_output(self, output: T, done: bool, policy: &PollPolicy, now_ms: u64) -> Self {
        let checks = if done {
            self.checks
        } else {
            self.checks.saturating_add(1)
        };
        let next = if done {
            Next::Done
        } else {
            policy.after_not_done(checks, self.elapsed(now_ms))
        };
        self.moving_on(checks, 0, Some(Arc::new(output)), next, now_ms)
    }

    /// The state after a check that failed with an error of `kind` at `now_ms`: `Ok` when `retry` retries
    /// it within the poll's deadline (`random_unit` in `[0, 1)` jitters the delay), else the error.
    pub fn after_failure(
        self,
        kind: Option<&str>,
        policy: &PollPolicy,
        retry: Option<&RetryPolicy>,
        random_unit: f64,
        now_ms: u64,
    ) -> Option<Self> {
        let failures = self.failures.saturating_add(1);
        let RetryDecision::Retry { delay } = retry?.decide(kind, failures, random_unit) else {
            return None;
        };
        if policy.past_deadline(self.elapsed(now_ms), delay) {
            return None;
        }
        let next = Next::Wait {
            seconds: delay.as_secs(),
        };
        let (checks, output) = (self.checks, self.output.clone());
        Some(self.moving_on(checks, failures, output, next, now_ms))
    }

    fn moving_on(
        self,
        checks: u32,
        failures: u32,
        output: Option<Arc<T>>,
        next: Next,
        now_ms: u64,
    ) -> Self {
        let waited = match &next {
            Next::Wait { seconds } => *seconds,
            Next::Done | Next::GiveUp { .. } => 0,
        };
        Self {
            started_at_ms: Some(self.started_at_ms.unwrap_or(now_ms)),
            waited_seconds: self.waited_seconds.saturating_add(waited),
            checks,
            failures,
            output,
            next,
        }
    }

    /// The SDK's decision for this state.
    fn decision(&self) -> WaitDecision {
        match &self.next {
            Next::Done => WaitDecision::complete(),
            Next::Wait { seconds } => WaitDecision::continue_with(Duration::from_secs(*seconds)),
            Next::GiveUp { reason } => WaitDecision::exhausted(reason.clone()),
        }
    }
}

impl<T> Clone for PollState<T> {
    fn clone(&self) -> Self {
        Self {
            started_at_ms: self.started_at_ms,
            waited_seconds: self.waited_seconds,
            checks: self.checks,
            failures: self.failures,
            output: self.output.clone(),
            next: self.next.clone(),
        }
    }
}

/// The checkpointed form of [`PollState`] (the output by reference, so `T` needs no `Clone`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateOut<'a, T> {
    started_at_ms: Option<u64>,
    waited_seconds: u64,
    checks: u32,
    failures: u32,
    output: Option<&'a T>,
    next: &'a Next,
}

/// [`PollState`] as read back from a checkpoint.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateIn<T> {
    started_at_ms: Option<u64>,
    waited_seconds: u64,
    checks: u32,
    failures: u32,
    output: Option<T>,
    next: Next,
}

impl<T: Serialize> Serialize for PollState<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StateOut {
            started_at_ms: self.started_at_ms,
            waited_seconds: self.waited_seconds,
            checks: self.checks,
            failures: self.failures,
            output: self.output.as_deref(),
            next: &self.next,
        }
        .serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for PollState<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let state = StateIn::<T>::deserialize(deserializer)?;
        Ok(Self {
            started_at_ms: state.started_at_ms,
            waited_seconds: state.waited_seconds,
            checks: state.checks,
            failures: state.failures,
            output: state.output.map(Arc::new),
            next: state.next,
        })
    }
}

/// What a poll step's `done:` may name: a `bool` field of the check's output.
#[diagnostic::on_unimplemented(
    message = "the `done` field of a `poll` step must be a `bool`, found `{Self}`",
    label = "`done:` names this field",
    note = "`done: <field>` names a `bool` field of the step's `output` type that is `true` once the poll is done"
)]
pub trait PollDone {
    /// Whether the poll is done.
    fn is_done(&self) -> bool;
}

impl PollDone for bool {
    fn is_done(&self) -> bool {
        *self
    }
}

/// The value of a poll's `done` field, checked to be a `bool`.
pub fn poll_done<D: PollDone + ?Sized>(field: &D) -> bool {
    field.is_done()
}

/// A poll that was not done within its bounds.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("poll `{step}` timed out: {reason}")]
pub struct PollTimedOut {
    /// The YAML id of the poll step.
    pub step: &'static str,
    /// Why it gave up (checks made, the bound reached).
    pub reason: String,
}

/// A check of a poll failed with an error its retry policy did not retry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("check of poll `{step}` failed: {message}")]
pub struct PollCheckFailed {
    /// The YAML id of the poll step.
    pub step: &'static str,
    /// The check's error, as recorded.
    pub message: String,
}

/// Runs the `poll` step `name`: `check` until `done` says its output is done, as one wait-for-condition
/// operation named `operation` (the step id, or `id@fingerprint`: see the `replay` module). The value is the
/// last check's output.
///
/// A check that fails with a kind `retry` lists is checked again after the retry delay (the failure does
/// not count as a check); any other failure fails the poll with a [`PollCheckFailed`] recorded as the
/// check error's kind. A poll not done within its bounds fails with a [`PollTimedOut`] recorded as
/// `ErrorType: "PollTimeout"`.
pub async fn poll<T, F, Fut, D>(
    ctx: &DurableContext,
    name: &'static str,
    operation: impl Into<String>,
    policy: PollPolicy,
    retry: Option<RetryPolicy>,
    check: F,
    done: D,
) -> Result<Arc<T>, BoxError>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, BoxError>> + Send + 'static,
    D: Fn(&T) -> bool + Send + Sync + 'static,
{
    let done = Arc::new(done);
    let outcome = ctx
        .wait_for_condition(
            move |_, state: PollState<T>| {
                let running = check();
                let done = Arc::clone(&done);
                async move {
                    match running.await {
                        Ok(output) => {
                            let is_done = done(&output);
                            Ok(state.after_output(output, is_done, &policy, now_ms()))
                        }
                        Err(error) => {
                            let kind = kind_in_chain(&*error);
                            state
                                .after_failure(
                                    kind.as_deref(),
                                    &policy,
                                    retry.as_ref(),
                                    rand::random::<f64>(),
                                    now_ms(),
                                )
                                .ok_or(error)
                        }
                    }
                }
            },
            PollState::start(),
        )
        .name(operation)
        .wait_strategy_fn(|state: PollState<T>, _| state.decision())
        .await;
    match outcome {
        Ok(state) => state
            .output
            .ok_or_else(|| format!("poll `{name}` completed without an output").into()),
        Err(error) => Err(poll_error(name, error)),
    }
}

/// The handler-facing error of a failed poll, the same live and replayed: a [`PollTimedOut`] recorded as
/// `PollTimeout` when its bounds were reached, a [`PollCheckFailed`] recorded as the check error's kind when
/// a check failed, else the operation's error.
fn poll_error(name: &'static str, error: OperationError) -> BoxError {
    let OperationErrorKind::WaitForCondition(failure) = error.kind() else {
        return Box::new(error);
    };
    let message = error
        .wire()
        .and_then(|wire| wire.error_message())
        .unwrap_or_default()
        .to_owned();
    match failure.kind() {
        WaitForConditionErrorKind::MaxChecksExceeded(_) => Box::new(TypedError::with_type(
            POLL_TIMEOUT,
            PollTimedOut {
                step: name,
                reason: message,
            },
        )),
        WaitForConditionErrorKind::CheckFailed { .. } => {
            // Live, the check's typed error is in the chain. Replayed, only the recorded message survives:
            // the SDK records a failed check as `WaitForConditionError` with the check error's message, and
            // that message starts with the kind (`Transient: ...`).
            let recorded = message.split_once(": ");
            let kind =
                typed_kind_in_chain(&error).or_else(|| recorded.map(|(kind, _)| kind.to_owned()));
            match kind {
                Some(kind) => {
                    let message = recorded
                        .map_or(message.as_str(), |(_, rest)| rest)
                        .to_owned();
                    Box::new(TypedError::with_type(
                        kind,
                        PollCheckFailed {
                            step: name,
                            message,
                        },
                    ))
                }
                None => Box::new(error),
            }
        }
        _ => Box::new(error),
    }
}

/// The kind a catch clause of a `poll` step matches: [`POLL_TIMEOUT`] when the poll was not done within its
/// bounds, the declared kind of the check's error when a check failed (live or replayed), `None` for any
/// other failure (which no catch clause handles).
pub fn poll_failure_kind(error: &BoxError) -> Option<String> {
    typed_kind_in_chain(error.as_ref())
}

/// Milliseconds since the Unix epoch by the system clock (0 if the clock is before it).
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// `90s` -> `1m30s`, `1800s` -> `30m`, `7200s` -> `2h`.
fn format_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, total % 3600 / 60, total % 60);
    let mut text = String::new();
    if hours > 0 {
        text.push_str(&format!("{hours}h"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}m"));
    }
    if seconds > 0 || text.is_empty() {
        text.push_str(&format!("{seconds}s"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::Jitter;

    const POLICY: PollPolicy = PollPolicy {
        interval: Duration::from_secs(60),
        backoff_rate: 2.0,
        max_interval: Duration::from_secs(600),
        max_attempts: None,
        deadline: Some(Duration::from_secs(1800)),
    };

    const RETRY: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        initial_delay: Duration::from_secs(5),
        backoff_rate: 2.0,
        max_delay: Duration::from_secs(60),
        jitter: Jitter::None,
        retry_on: &["Transient"],
    };

    #[test]
    fn the_interval_grows_by_the_backoff_until_the_cap_and_is_whole_seconds() {
        let waits: Vec<u64> = (1..=6)
            .map(|check| POLICY.interval_after(check).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 600, 600]);
        let fast = PollPolicy {
            interval: Duration::from_millis(200),
            backoff_rate: 1.0,
            max_interval: Duration::from_millis(200),
            ..POLICY
        };
        assert_eq!(fast.interval_after(1), Duration::from_secs(1));
    }

    #[test]
    fn the_deadline_stops_the_poll_before_a_check_would_start_after_it() {
        // Checks at 0, 1m, 3m, 7m, 15m and 25m; the next would start at 35m, after the 30m deadline.
        let mut state = PollState::<u32>::start();
        let mut checks = 0;
        while checks < 20 {
            checks += 1;
            state = state.after_output(checks, false, &POLICY, 0);
            if !matches!(&state.next, Next::Wait { .. }) {
                break;
            }
        }
        assert_eq!(checks, 6);
        assert_eq!(
            &state.next,
            &Next::GiveUp {
                reason:
                    "not done after 6 checks: the next check would start after the deadline (30m)"
                        .to_owned()
            }
        );
        assert_eq!(state.output.as_deref(), Some(&6));
    }

    #[test]
    fn the_clock_counts_towards_the_deadline_when_it_is_ahead_of_the_waits() {
        let state = PollState::<u32>::start().after_output(1, false, &POLICY, 1_000);
        assert_eq!(&state.next, &Next::Wait { seconds: 60 });
        // The second check starts 29 minutes after the first: 29m + 2m is past the deadline.
        let later = state.after_output(2, false, &POLICY, 1_000 + 29 * 60 * 1000);
        assert!(matches!(&later.next, Next::GiveUp { .. }), "{later:?}");
    }

    #[test]
    fn max_attempts_gives_up_after_that_many_checks_that_were_not_done() {
        let policy = PollPolicy {
            max_attempts: Some(2),
            deadline: None,
            ..POLICY
        };
        let first = PollState::<u32>::start().after_output(1, false, &policy, 0);
        assert_eq!(&first.next, &Next::Wait { seconds: 60 });
        let second = first.after_output(2, false, &policy, 0);
        assert_eq!(
            &second.next,
            &Next::GiveUp {
                reason: "not done after 2 checks (max-attempts: 2)".to_owned()
            }
        );
    }

    #[test]
    fn a_done_output_completes_the_poll_whatever_the_bounds() {
        let policy = PollPolicy {
            max_attempts: Some(1),
            ..POLICY
        };
        let state = PollState::<u32>::start().after_output(7, true, &policy, 0);
        assert_eq!(&state.next, &Next::Done);
        assert_eq!(state.output.as_deref(), Some(&7));
    }

    #[test]
    fn a_retried_failure_waits_the_retry_delay_and_is_not_a_check() {
        let policy = PollPolicy {
            max_attempts: Some(1),
            deadline: None,
            ..POLICY
        };
        let state = PollState::<u32>::start()
            .after_failure(Some("Transient"), &policy, Some(&RETRY), 0.0, 0)
            .unwrap();
        assert_eq!(&state.next, &Next::Wait { seconds: 5 });
        let state = state
            .after_failure(Some("Transient"), &policy, Some(&RETRY), 0.0, 0)
            .unwrap();
        assert_eq!(&state.next, &Next::Wait { seconds: 10 });
        // The retry policy's attempts are used up on the third failure.
        assert!(
            state
                .clone()
                .after_failure(Some("Transient"), &policy, Some(&RETRY), 0.0, 0)
                .is_none()
        );
        // A check that then returns an output is the first check: max-attempts 1 is reached only now.
        let checked = state.after_output(3, false, &policy, 0);
        assert!(matches!(&checked.next, Next::GiveUp { .. }));
    }

    #[test]
    fn unlisted_kinds_without_retry_or_past_the_deadline_fail_the_poll() {
        let start = PollState::<u32>::start;
        assert!(
            start()
                .after_failure(Some("Lost"), &POLICY, Some(&RETRY), 0.0, 0)
                .is_none()
        );
        assert!(
            start()
                .after_failure(Some("Transient"), &POLICY, None, 0.0, 0)
                .is_none()
        );
        let tight = PollPolicy {
            deadline: Some(Duration::from_secs(3)),
            ..POLICY
        };
        assert!(
            start()
                .after_failure(Some("Transient"), &tight, Some(&RETRY), 0.0, 0)
                .is_none()
        );
    }

    #[test]
    fn the_state_round_trips_through_json_with_its_output() {
        let state = PollState::<String>::start().after_output("x".to_owned(), false, &POLICY, 5);
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"startedAtMs":5,"waitedSeconds":60,"checks":1,"failures":0,"output":"x","next":{"Wait":{"seconds":60}}}"#
        );
        let back: PollState<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.output.as_deref(), Some(&"x".to_owned()));
        assert_eq!(&back.next, &state.next);
        assert_eq!(back.elapsed(5), Duration::from_secs(60));
    }

    #[test]
    fn durations_read_as_in_the_spec() {
        assert_eq!(format_duration(Duration::from_secs(1800)), "30m");
        assert_eq!(format_duration(Duration::from_secs(7290)), "2h1m30s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn a_done_field_is_a_bool() {
        assert!(poll_done(&true));
        assert!(!poll_done(&false));
    }
}
