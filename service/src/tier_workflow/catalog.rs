//! The tier workflow's product context (`crate::tier_workflow::catalog::*`): the Product and Product Search services' answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `list-products`: the Product Service's `data` list (`{"data":[..],"message":"OK"}`), passed through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Products {
    /// The products, as the service sent them.
    pub products: Vec<Value>,
}

/// `search-recommendations`: the Product Search answer (`{"answer", "products":[..]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// The generated answer text.
    pub answer: String,
    /// The recommended products (`productId`, `name`, `price`, `stockLevel`), passed through untouched.
    pub products: Vec<Value>,
}
