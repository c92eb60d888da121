//! Optimistic-lock retries with exponential backoff and full jitter (F7).

use std::time::Duration;

use rand::Rng;

/// Attempts of an optimistic-lock loop (1 + 3 retries, as the original).
pub const MAX_ATTEMPTS: u32 = 4;
const BASE_DELAY_MS: u64 = 5;
const MAX_DELAY_MS: u64 = 100;

/// The delay before retry number `retry` (1-based): uniformly random in `0..=min(cap, base * 2^retry)`.
pub fn backoff_delay(retry: u32) -> Duration {
    let ceiling = BASE_DELAY_MS
        .saturating_mul(1 << retry.min(16))
        .min(MAX_DELAY_MS);
    Duration::from_millis(rand::rng().random_range(0..=ceiling))
}

/// Sleeps before retry number `retry`.
pub async fn wait_before_retry(retry: u32) {
    tokio::time::sleep(backoff_delay(retry)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_up_to_the_cap_and_are_jittered() {
        let samples: Vec<u128> = (0..200).map(|_| backoff_delay(1).as_millis()).collect();
        assert!(samples.iter().all(|ms| *ms <= 10));
        assert!(
            samples.iter().any(|ms| *ms != samples[0]),
            "jitter must vary the delay"
        );
        assert!((0..200).all(|_| backoff_delay(10).as_millis() <= 100));
    }
}
