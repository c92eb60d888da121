//! Clients of the Product, Product Search and Order services (behaviour keep-services, F13): 5 s timeouts, the real
//! response shapes, and failures returned as errors (the callers log them and decide), never an empty default.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::core::jwt;
use crate::tier_workflow::catalog::{Products, Recommendations};
use crate::tier_workflow::orders::OrderHistory;
use crate::tier_workflow::ports::{
    ExternalServiceError, OrderService, ProductSearch, ProductService,
};

/// The timeout of every call (behaviour keep-services).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The `iss` of the service token minted for the Order Service.
pub const SERVICE_TOKEN_ISSUER: &str = "loyalty-tier-service";
/// Orders per page asked of the Order Service.
pub const ORDER_PAGE_SIZE: u32 = 50;
/// The most pages read (a runaway `hasMorePages` cannot loop forever).
pub const MAX_ORDER_PAGES: u32 = 100;

/// A failed call to one of the services.
#[derive(Debug, thiserror::Error)]
pub enum ServiceCallError {
    /// No answer (connection refused, timeout, ...).
    #[error("{service} unreachable at {url}: {source}")]
    Unreachable {
        /// Which service.
        service: &'static str,
        /// The URL called.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// A non-2xx status.
    #[error("{service} answered {status} at {url}: {body}")]
    Status {
        /// Which service.
        service: &'static str,
        /// The URL called.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The service token could not be minted.
    #[error("cannot mint the {service} token: {reason}")]
    Token {
        /// Which service.
        service: &'static str,
        /// Why.
        reason: String,
    },
    /// A 2xx body not in the service's shape.
    #[error("{service} answered an unexpected body at {url}: {reason}")]
    Shape {
        /// Which service.
        service: &'static str,
        /// The URL called.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

/// The HTTP client the service clients of `endpoints` share, with the call timeout and the trust those endpoints
/// need ([`crate::net::trust_for`]); built once at start-up, and a failure to build it (e.g. the TLS backend cannot
/// load) is returned rather than hidden behind a client without timeout.
pub fn http_client_for(endpoints: &[&str]) -> Result<reqwest::Client, reqwest::Error> {
    crate::net::trust_for(reqwest::Client::builder().timeout(CALL_TIMEOUT), endpoints).build()
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

async fn send<T: for<'de> Deserialize<'de>>(
    service: &'static str,
    url: &str,
    request: reqwest::RequestBuilder,
) -> Result<T, ServiceCallError> {
    let unreachable = |source| ServiceCallError::Unreachable {
        service,
        url: url.to_owned(),
        source,
    };
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let body = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(ServiceCallError::Status {
            service,
            url: url.to_owned(),
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body).chars().take(200).collect(),
        });
    }
    serde_json::from_slice(&body).map_err(|e| ServiceCallError::Shape {
        service,
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

/// The Product Service: `GET <base>/product` answers `{"data":[..],"message":"OK"}`.
#[derive(Debug, Clone)]
pub struct ProductServiceClient {
    base_url: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ProductList {
    data: Vec<Value>,
}

impl ProductServiceClient {
    /// A client of the service at `base_url`, calling through `http` (see [`http_client`]).
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.to_owned(),
            http,
        }
    }

    /// Every product. A failure is recorded as an error on the call's span (behaviour F13).
    #[tracing::instrument(name = "productService.listProducts", skip_all, fields(base_url = %self.base_url), err(Display))]
    pub async fn list_products(&self) -> Result<Products, ServiceCallError> {
        let url = join(&self.base_url, "product");
        let list: ProductList = send("ProductService", &url, self.http.get(&url)).await?;
        Ok(Products {
            products: list.data,
        })
    }
}

/// The Product Search service: `POST <base>/search {"query"}` answers `{"answer", "products":[..]}`.
#[derive(Debug, Clone)]
pub struct ProductSearchClient {
    base_url: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct SearchAnswer {
    answer: String,
    products: Vec<Value>,
}

impl ProductSearchClient {
    /// A client of the service at `base_url`, calling through `http` (see [`http_client`]).
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.to_owned(),
            http,
        }
    }

    /// The answer to `query`. A failure is recorded as an error on the call's span (behaviour F13).
    #[tracing::instrument(name = "productSearchService.search", skip_all, fields(base_url = %self.base_url, %query), err(Display))]
    pub async fn search(&self, query: &str) -> Result<Recommendations, ServiceCallError> {
        let url = join(&self.base_url, "search");
        let body = json!({ "query": query }).to_string();
        let request = self
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body);
        let answer: SearchAnswer = send("ProductSearchService", &url, request).await?;
        Ok(Recommendations {
            answer: answer.answer,
            products: answer.products,
        })
    }
}

/// The Order Service: `GET <base>/orders?pageSize&pageToken` with a service JWT, answering
/// `{items, pageSize, hasMorePages, nextPageToken}`.
#[derive(Debug, Clone)]
pub struct OrderServiceClient {
    base_url: String,
    jwt_secret: Vec<u8>,
    http: reqwest::Client,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderPage {
    items: Vec<Value>,
    #[serde(default)]
    has_more_pages: bool,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl OrderServiceClient {
    /// A client of the service at `base_url`, signing its tokens with `jwt_secret`, calling through `http`.
    pub fn new(base_url: &str, jwt_secret: &[u8], http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.to_owned(),
            jwt_secret: jwt_secret.to_vec(),
            http,
        }
    }

    /// Every page of `user_id`'s orders. A token is minted per call (`sub`, `iss`, 60 s), as the original. A
    /// failure is recorded as an error on the call's span (behaviour F13).
    #[tracing::instrument(name = "orderService.getUserOrders", skip_all, fields(base_url = %self.base_url, %user_id), err(Display))]
    pub async fn user_orders(
        &self,
        user_id: &str,
        now_secs: i64,
    ) -> Result<OrderHistory, ServiceCallError> {
        let token = jwt::mint_service_token(
            user_id,
            SERVICE_TOKEN_ISSUER,
            &self.jwt_secret,
            now_secs,
            60,
        )
        .map_err(|error| ServiceCallError::Token {
            service: "Order Service",
            reason: error.to_string(),
        })?;
        let base = join(&self.base_url, "orders");
        let mut history = OrderHistory {
            items: Vec::new(),
            pages: 0,
            error: None,
        };
        let mut page_token: Option<String> = None;
        loop {
            let mut url = reqwest::Url::parse(&base).map_err(|e| ServiceCallError::Shape {
                service: "OrderService",
                url: base.clone(),
                reason: format!("invalid endpoint: {e}"),
            })?;
            url.query_pairs_mut()
                .append_pair("pageSize", &ORDER_PAGE_SIZE.to_string());
            if let Some(page_token) = &page_token {
                url.query_pairs_mut().append_pair("pageToken", page_token);
            }
            let request = self.http.get(url).bearer_auth(&token);
            let page: OrderPage = send("OrderService", &base, request).await?;
            history.items.extend(page.items);
            history.pages += 1;
            match page.next_page_token {
                Some(next) if page.has_more_pages && !next.is_empty() => {
                    if history.pages >= MAX_ORDER_PAGES {
                        return Err(ServiceCallError::Shape {
                            service: "OrderService",
                            url: base,
                            reason: format!("more than {MAX_ORDER_PAGES} pages"),
                        });
                    }
                    page_token = Some(next);
                }
                _ => return Ok(history),
            }
        }
    }
}

impl From<ServiceCallError> for ExternalServiceError {
    fn from(error: ServiceCallError) -> Self {
        ExternalServiceError(error.to_string())
    }
}

impl ProductService for ProductServiceClient {
    async fn list_products(&self) -> Result<Products, ExternalServiceError> {
        Ok(ProductServiceClient::list_products(self).await?)
    }
}

impl ProductSearch for ProductSearchClient {
    async fn search(&self, query: &str) -> Result<Recommendations, ExternalServiceError> {
        Ok(ProductSearchClient::search(self, query).await?)
    }
}

impl OrderService for OrderServiceClient {
    async fn user_orders(
        &self,
        user_id: &str,
        now_secs: i64,
    ) -> Result<OrderHistory, ExternalServiceError> {
        Ok(OrderServiceClient::user_orders(self, user_id, now_secs).await?)
    }
}
