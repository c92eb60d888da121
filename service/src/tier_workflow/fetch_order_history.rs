//! `fetch-order-history` (behaviour keep-workflow): a plain function, the target of the orchestrator's chained invoke.

use crate::tier_workflow::orders::{HistoryRequest, OrderHistory};
use crate::tier_workflow::ports::OrderService;

/// Reads every page of the user's orders. A failure of the Order Service is logged as a warning and recorded in
/// [`OrderHistory::error`] (the orchestrator discards the history, so it does not fail the upgrade).
pub async fn fetch_order_history(
    orders: &impl OrderService,
    request: HistoryRequest,
    now_secs: i64,
) -> OrderHistory {
    match orders.user_orders(&request.user_id, now_secs).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::service_clients::OrderServiceClient;

    #[tokio::test]
    async fn an_unreachable_order_service_gives_an_empty_history_that_says_why() {
        // Nothing listens on port 1 of the loopback interface: the connection is refused.
        let client = OrderServiceClient::new(
            "http://127.0.0.1:1",
            b"secret",
            crate::http::service_clients::http_client_for(&["http://127.0.0.1:1"]).unwrap(),
        );
        let request = HistoryRequest {
            user_id: "u1".into(),
        };
        let history = fetch_order_history(&client, request, 1_700_000_000).await;
        assert_eq!((history.items.len(), history.pages), (0, 0));
        let error = history.error.unwrap();
        assert!(
            error.starts_with("OrderService unreachable at http://127.0.0.1:1/orders: "),
            "{error}"
        );
    }
}
