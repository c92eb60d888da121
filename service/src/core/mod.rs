//! Pure domain: accounts, credits, spends, tiers, CloudEvents and payloads, tokens. No I/O.

pub mod account;
pub mod cloud_event;
pub mod credit;
pub mod error;
pub mod incoming;
pub mod jwt;
pub mod outgoing;
pub mod spend;
pub mod strict_json;

pub mod time_format;

pub use account::{Account, BalanceChange};
pub use credit::CreditKey;
pub use error::DomainError;
