//! The harness's HTTP client: `reqwest` on the loopback interface, each response read whole so a test can assert
//! on its status, headers and exact body bytes.

use std::fmt;
use std::time::Duration;

use anyhow::Context;
use reqwest::header::HeaderMap;

/// How long a single request may take before the client gives up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for a service on 127.0.0.1: no proxy whatever the environment says, no redirect followed (a test sees
/// the status the service chose), at most [`REQUEST_TIMEOUT`] per request. Connections are kept alive and reused.
pub fn loopback_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("building the HTTP client")
}

/// A response read whole: status, headers and body.
#[derive(Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers, looked up case-insensitively.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Sends `request` and reads its whole response.
    pub async fn send(request: reqwest::RequestBuilder) -> anyhow::Result<Self> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let url = response.url().clone();
        let body = response
            .bytes()
            .await
            .with_context(|| format!("reading the {status} answer of {url}"))?;
        Ok(Self {
            status,
            headers,
            body: body.to_vec(),
        })
    }

    /// The first value of a header, by case-insensitive name; `None` when absent or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("body is not JSON: {:?}", self.text()))
    }
}

/// Shows the body as text, which is what a failing assertion needs to show.
impl fmt::Debug for HttpResponse {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.text())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_sent_without_a_content_type_unless_one_is_given() {
        let client = loopback_client().unwrap();
        let request = client
            .post("http://127.0.0.1:9/loyalty")
            .body(r#"{"points":10}"#)
            .build()
            .unwrap();
        assert_eq!(request.headers().get("content-type"), None);
    }
}
