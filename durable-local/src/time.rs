//! Time control: run durable waits, retry delays and callback timeouts in real time, scaled,
//! or skipped, without changing the workflow (like the Python emulator's `--skip-time`).

use std::time::{SystemTime, UNIX_EPOCH};

/// How the service turns requested durations into real delays.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum TimeControl {
    /// Durations are honoured as written.
    #[default]
    Real,
    /// Every duration, callback timeouts included, is multiplied by the factor (`0.001`
    /// turns a 300 s callback timeout into 300 ms).
    Scaled(f64),
    /// Every wait and retry delay is due at once; callback timeouts keep their real length,
    /// as with `dex-local-runner --skip-time` (a skipped callback timeout would fire before
    /// anyone could answer).
    Skip,
}

impl TimeControl {
    /// The real delay, in milliseconds, of a callback timeout or heartbeat timeout.
    pub(crate) fn callback_delay_ms(self, seconds: i64) -> i64 {
        match self {
            Self::Skip => seconds.saturating_mul(1000),
            other => other.delay_ms(seconds),
        }
    }

    /// The real delay, in milliseconds, of a wait or retry delay of `seconds`.
    pub(crate) fn delay_ms(self, seconds: i64) -> i64 {
        let ms = seconds.saturating_mul(1000);
        match self {
            Self::Real => ms,
            Self::Scaled(f) if f.is_finite() && f >= 0.0 => (ms as f64 * f).round() as i64,
            Self::Scaled(_) | Self::Skip => 0,
        }
    }
}

/// Wall-clock now in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_five_minute_timeout_lasts_three_hundred_milliseconds() {
        assert_eq!(TimeControl::Scaled(0.001).delay_ms(300), 300);
        assert_eq!(TimeControl::Real.delay_ms(300), 300_000);
        assert_eq!(TimeControl::Skip.delay_ms(300), 0);
        assert_eq!(TimeControl::Scaled(-1.0).delay_ms(5), 0);
        assert_eq!(TimeControl::Scaled(0.001).callback_delay_ms(300), 300);
    }

    #[test]
    fn skipping_time_keeps_callback_timeouts_real() {
        assert_eq!(TimeControl::Skip.callback_delay_ms(300), 300_000);
    }
}
