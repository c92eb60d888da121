//! The services the tier workflow calls: Product, Product Search and Order (behaviour keep-services). reqwest clients
//! implement them (`http::service_clients`); a failure is an error the caller logs and classifies, never an
//! empty default (behaviour F13).

use std::future::Future;

use crate::tier_workflow::catalog::{Products, Recommendations};
use crate::tier_workflow::orders::OrderHistory;

/// A failed call: no answer, a non-2xx status, or a body not in the service's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExternalServiceError(pub String);

/// The Product Service.
pub trait ProductService: Send + Sync {
    /// Every product.
    fn list_products(&self) -> impl Future<Output = Result<Products, ExternalServiceError>> + Send;
}

/// The Product Search service.
pub trait ProductSearch: Send + Sync {
    /// The answer and recommended products for `query`.
    fn search(
        &self,
        query: &str,
    ) -> impl Future<Output = Result<Recommendations, ExternalServiceError>> + Send;
}

/// The Order Service.
pub trait OrderService: Send + Sync {
    /// Every page of `user_id`'s orders, authenticated with a service token minted at `now_secs`.
    fn user_orders(
        &self,
        user_id: &str,
        now_secs: i64,
    ) -> impl Future<Output = Result<OrderHistory, ExternalServiceError>> + Send;
}
