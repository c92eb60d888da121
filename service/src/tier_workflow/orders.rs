//! The tier workflow's order history (`crate::tier_workflow::orders::*`): the chained-invoke payloads of `fetch-order-history`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The input of `fetch-order-history`: `{"userId": ...}` as the original sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRequest {
    /// Whose orders.
    pub user_id: String,
}

impl From<&crate::tier_workflow::UpgradeRequest> for HistoryRequest {
    fn from(request: &crate::tier_workflow::UpgradeRequest) -> Self {
        Self {
            user_id: request.user_id.clone(),
        }
    }
}

/// The user's orders, every page of `GET /orders` (`{items, pageSize, hasMorePages, nextPageToken}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderHistory {
    /// The orders (`orderId`, `userId`, `products`, `orderDate`, `orderType`, `status`, `totalPrice`), as sent.
    pub items: Vec<Value>,
    /// How many pages were read.
    pub pages: u32,
    /// Why the history is incomplete, when the Order Service failed (also logged as a warning). The orchestrator
    /// does not use the history, so a failure here does not fail the upgrade, but it is never silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
