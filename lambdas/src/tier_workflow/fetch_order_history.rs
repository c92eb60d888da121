//! `fetch-order-history` (section 5.3): a plain function, the target of the orchestrator's chained invoke.

use crate::adapters::http::service_clients::OrderServiceClient;
use crate::orders::{HistoryRequest, OrderHistory};

/// Reads every page of the user's orders. A failure of the Order Service is logged as a warning and recorded in
/// [`OrderHistory::error`] (the orchestrator discards the history, so it does not fail the upgrade).
pub async fn fetch_order_history(
    client: &OrderServiceClient,
    request: HistoryRequest,
    now_secs: i64,
) -> OrderHistory {
    match client.user_orders(&request.user_id, now_secs).await {
        Ok(history) => history,
        Err(error) => {
            tracing::warn!(%error, user_id = %request.user_id, "orderService.getUserOrders failed");
            OrderHistory {
                items: Vec::new(),
                pages: 0,
                error: Some(error.to_string()),
            }
        }
    }
}
