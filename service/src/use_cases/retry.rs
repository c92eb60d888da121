//! Optimistic-lock retries with exponential backoff and full jitter (behaviour F7).

use std::time::Duration;

use rand::Rng;

use crate::use_cases::error::LoyaltyError;

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

/// What one try of an optimistic-lock loop came to.
#[derive(Debug)]
pub enum Attempt<T> {
    /// Finished with this value.
    Done(T),
    /// Lost the race: the store's version moved on.
    Conflict,
}

/// Runs `try_once` until it is [`Attempt::Done`], at most [`MAX_ATTEMPTS`] times with a jittered backoff between
/// conflicts (behaviour F7); still conflicting after that is [`LoyaltyError::ConflictAfterRetries`]. `operation` and
/// `user_id` name the retries in the debug log.
pub async fn retry_on_conflict<T, F, Fut>(
    operation: &str,
    user_id: &str,
    mut try_once: F,
) -> Result<T, LoyaltyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, LoyaltyError>>,
{
    for attempt in 1..=MAX_ATTEMPTS {
        match try_once().await? {
            Attempt::Done(value) => return Ok(value),
            Attempt::Conflict if attempt < MAX_ATTEMPTS => {
                tracing::debug!(
                    user_id,
                    attempt,
                    "{operation} lost an optimistic-lock race; retrying"
                );
                wait_before_retry(attempt).await;
            }
            Attempt::Conflict => break,
        }
    }
    Err(LoyaltyError::ConflictAfterRetries)
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

    #[tokio::test]
    async fn conflicts_are_retried_up_to_four_attempts_then_reported() {
        let mut tries = 0;
        let done = retry_on_conflict("test", "u1", || {
            tries += 1;
            let attempt = if tries < MAX_ATTEMPTS {
                Attempt::Conflict
            } else {
                Attempt::Done(tries)
            };
            async move { Ok(attempt) }
        })
        .await
        .unwrap();
        assert_eq!(done, 4);

        let mut tries = 0;
        let error = retry_on_conflict("test", "u1", || {
            tries += 1;
            async { Ok(Attempt::<()>::Conflict) }
        })
        .await
        .unwrap_err();
        assert_eq!(
            (tries, error.to_string()),
            (4, LoyaltyError::ConflictAfterRetries.to_string())
        );
    }
}
