//! `GET /loyalty`: the caller's balance.

use crate::core::account::Account;
use crate::ports::AccountStore;
use crate::use_cases::error::LoyaltyError;

/// The account of `user_id`, or [`LoyaltyError::NotFound`].
pub async fn get_account<S: AccountStore>(
    store: &S,
    user_id: &str,
) -> Result<Account, LoyaltyError> {
    store
        .load_account(user_id)
        .await?
        .ok_or(LoyaltyError::NotFound)
}
