//! Time control: run durable waits, retry delays and callback timeouts in real time, scaled,
//! or skipped, without changing the workflow (like the Python emulator's `--skip-time`).

use std::time::{SystemTime, UNIX_EPOCH};

/// How the service turns requested durations into real delays.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum TimeControl {
    /// Durations are honoured as written.
    #[default]
    Real,
    /// Durations are multiplied by the factor (`0.001` turns a 300 s callback timeout into
    /// 300 ms).
    Scaled(f64),
    /// Every wait, retry delay and callback timeout is due at once.
    Skip,
}

impl TimeControl {
    /// The real delay, in milliseconds, for `seconds` of workflow time.
    pub fn delay_ms(self, seconds: i64) -> i64 {
        let ms = seconds.saturating_mul(1000);
        match self {
            Self::Real => ms,
            Self::Scaled(f) if f.is_finite() && f >= 0.0 => (ms as f64 * f).round() as i64,
            Self::Scaled(_) | Self::Skip => 0,
        }
    }
}

/// Wall-clock now in epoch milliseconds.
pub fn now_ms() -> i64 {
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
    }
}
