//! Setup and waiting steps the end-to-end tests repeat: welcome a user and wait for the 100 points, wait for a
//! balance with the service's output on failure, and wait behind marker events.

use crate::api::{EVENT_DEADLINE, LoyaltyApi, MarkerEvent};
use crate::events::PutEntry;
use crate::service::RunningService;

/// One marker through each order queue (v1 and v2), for tests whose events went through both.
pub const BOTH_ORDER_QUEUES: &[MarkerEvent] =
    &[MarkerEvent::OrderCompletedV1, MarkerEvent::OrderCompletedV2];

/// Waits until the balance of the token's user is `expected` ([`EVENT_DEADLINE`]); a failure carries the service's
/// latest output.
pub async fn wait_for_balance_logged(
    service: &RunningService,
    api: &LoyaltyApi,
    token: &str,
    expected: i64,
) -> anyhow::Result<()> {
    service.with_logs(api.wait_for_balance(token, expected, EVENT_DEADLINE).await)
}

/// Publishes `users.userCreated.v1` for `user`, waits until its account holds the welcome credit of 100 points and
/// returns the user's token.
pub async fn welcome_and_wait(
    service: &RunningService,
    api: &LoyaltyApi,
    user: &str,
) -> anyhow::Result<String> {
    let token = service.token_for(user);
    api.publish(&[PutEntry::user_created(user)]).await?;
    wait_for_balance_logged(service, api, &token, 100).await?;
    Ok(token)
}

/// Waits behind a marker event through each of `markers`' queues, in order (see
/// [`LoyaltyApi::wait_behind_marker`]); a failure carries the service's latest output.
pub async fn wait_behind_markers(
    service: &RunningService,
    api: &LoyaltyApi,
    markers: &[MarkerEvent],
) -> anyhow::Result<()> {
    for marker in markers {
        service.with_logs(api.wait_behind_marker(service.jwt_secret(), *marker).await)?;
    }
    Ok(())
}
