//! A spec `retry` block as an SDK retry strategy that retries only the listed error kinds.

use std::time::Duration;

use aws_durable_execution_sdk::{RetryDecision, StepError};

use crate::error_kind::kind_in_chain;

/// How a computed retry delay is randomised, as in the spec's `jitter` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the computed delay.
    None,
    /// Uniform in `[0, delay]` (AWS "full jitter").
    Full,
    /// Uniform in `[delay / 2, delay]`.
    Half,
}

/// The retry policy of one step, copied from the spec by generated code.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total attempts including the first (`1` never retries).
    pub max_attempts: u32,
    /// Delay before the second attempt, before jitter.
    pub initial_delay: Duration,
    /// Factor applied to the delay after each failed attempt.
    pub backoff_rate: f64,
    /// Upper bound of the delay, before jitter.
    pub max_delay: Duration,
    /// Randomisation of each delay.
    pub jitter: Jitter,
    /// The declared error kinds this policy retries; any other failure stops at once.
    pub retry_on: &'static [&'static str],
}

impl RetryPolicy {
    /// The decision after attempt `attempt` (1-based) failed with an error of `kind`.
    ///
    /// `random_unit` is a number in `[0, 1)` used for jitter. Delays are rounded up to whole
    /// seconds with a one second minimum, because the service schedules retries in seconds.
    pub fn decide(&self, kind: Option<&str>, attempt: u32, random_unit: f64) -> RetryDecision {
        let retryable = kind.is_some_and(|kind| self.retry_on.contains(&kind));
        if !retryable || attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        RetryDecision::Retry {
            delay: self.delay_after(attempt, random_unit),
        }
    }

    /// The delay before attempt `attempt + 1`, after jitter and rounding.
    pub fn delay_after(&self, attempt: u32, random_unit: f64) -> Duration {
        let capped = grown(
            self.initial_delay,
            self.backoff_rate,
            attempt,
            self.max_delay,
        );
        let jittered = match self.jitter {
            Jitter::None => capped,
            Jitter::Full => capped * random_unit,
            Jitter::Half => capped / 2.0 + capped / 2.0 * random_unit,
        };
        whole_seconds(jittered)
    }

    /// The strategy closure for `StepBuilder::retry_strategy` and
    /// `WaitForCallbackBuilder::submitter_retry`.
    pub fn strategy(self) -> impl Fn(&StepError, u32) -> RetryDecision + Send + Sync + 'static {
        move |error, attempt| {
            let kind = kind_in_chain(error);
            self.decide(kind.as_deref(), attempt, rand::random::<f64>())
        }
    }
}

/// `initial * rate^(n-1)` in seconds, at most `cap`: a retry's delay before the `n + 1`-th attempt (before jitter),
/// and a poll's wait after its `n`-th check that was not done.
pub(crate) fn grown(initial: Duration, rate: f64, n: u32, cap: Duration) -> f64 {
    let exponent = i32::try_from(n.saturating_sub(1)).unwrap_or(i32::MAX);
    (initial.as_secs_f64() * rate.powi(exponent)).min(cap.as_secs_f64())
}

/// `seconds`, rounded up to whole seconds, at least one: the service schedules retries and waits in seconds.
pub(crate) fn whole_seconds(seconds: f64) -> Duration {
    let rounded = seconds.ceil().max(1.0);
    Duration::try_from_secs_f64(rounded).unwrap_or(Duration::MAX)
}

/// The strategy of a step without a `retry:` policy: one attempt. (Without any strategy the SDK
/// would apply its own default of six attempts to every error.)
pub fn never_retry() -> impl Fn(&StepError, u32) -> RetryDecision + Send + Sync + 'static {
    |_, _| RetryDecision::Stop
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_secs(2),
        backoff_rate: 3.0,
        max_delay: Duration::from_secs(10),
        jitter: Jitter::None,
        retry_on: &["Transient"],
    };

    #[test]
    fn delays_grow_by_the_backoff_rate_until_the_cap() {
        let delays: Vec<u64> = (1..=4)
            .map(|n| POLICY.delay_after(n, 0.5).as_secs())
            .collect();
        assert_eq!(delays, vec![2, 6, 10, 10]);
    }

    #[test]
    fn a_listed_kind_is_retried_until_the_last_attempt() {
        assert_eq!(
            POLICY.decide(Some("Transient"), 3, 0.0),
            RetryDecision::Retry {
                delay: Duration::from_secs(10)
            }
        );
        assert_eq!(
            POLICY.decide(Some("Transient"), 4, 0.0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn an_unlisted_or_unknown_kind_is_never_retried() {
        assert_eq!(
            POLICY.decide(Some("VersionConflict"), 1, 0.0),
            RetryDecision::Stop
        );
        assert_eq!(POLICY.decide(None, 1, 0.0), RetryDecision::Stop);
    }

    #[test]
    fn full_jitter_scales_the_delay_and_half_jitter_keeps_half() {
        let full = RetryPolicy {
            jitter: Jitter::Full,
            initial_delay: Duration::from_secs(8),
            ..POLICY
        };
        let half = RetryPolicy {
            jitter: Jitter::Half,
            ..full
        };
        assert_eq!(full.delay_after(1, 0.25).as_secs(), 2);
        assert_eq!(full.delay_after(1, 0.0).as_secs(), 1);
        assert_eq!(half.delay_after(1, 0.0).as_secs(), 4);
        assert_eq!(half.delay_after(1, 0.5).as_secs(), 6);
    }
}
