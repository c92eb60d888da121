//! OTLP/HTTP requests through the reqwest 0.13 client already in the tree (the exporter's bundled clients pull a
//! second reqwest). The batch span processor exports from its own thread, outside any tokio runtime, so the client
//! owns a small current-thread runtime to drive its requests.

use std::time::Duration;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

use crate::net::trust_for;

/// How long one export may take before it is given up (the spans of that batch are dropped, behaviour F16).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// An [`HttpClient`] for the OTLP exporter; every failure is logged here, since the SDK drops it silently.
#[derive(Debug)]
pub(crate) struct ReqwestOtlpClient {
    client: reqwest::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ReqwestOtlpClient {
    /// A client with its own runtime, for a collector at `endpoint` (`None`: not known here, e.g. the SDK's
    /// default), trusting what that collector needs ([`trust_for`]: none for the Datadog extension's plain-http
    /// `localhost:4318`); a client that cannot be built (no certificate store for an `https://` collector) is an
    /// error, logged by the caller.
    pub(crate) fn new(endpoint: Option<&str>) -> Result<Self, std::io::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let builder = reqwest::Client::builder().timeout(EXPORT_TIMEOUT);
        let client = trust_for(builder, endpoint.as_slice())
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Self {
            client,
            runtime: Some(runtime),
        })
    }
}

impl Drop for ReqwestOtlpClient {
    fn drop(&mut self) {
        // Dropping a runtime inside another runtime's context panics; this never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for ReqwestOtlpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let result = match (&self.runtime, tokio::runtime::Handle::try_current()) {
            (Some(runtime), Err(_)) => runtime.block_on(send(&self.client, request)),
            // Only the batch processor's thread exports; a call from inside a runtime would block it.
            (Some(_), Ok(_)) => Err("span export called from inside a tokio runtime".into()),
            (None, _) => Err("span exporter already shut down".into()),
        };
        if let Err(error) = &result {
            tracing::warn!(%error, "span export failed (this batch of spans is dropped)");
        }
        result
    }
}

async fn send(
    client: &reqwest::Client,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, HttpError> {
    let request = reqwest::Request::try_from(request)?;
    let response = client.execute(request).await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(format!("the collector answered {status}: {text}").into());
    }
    Ok(Response::builder().status(status).body(body)?)
}
