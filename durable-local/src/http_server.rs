//! The same API over HTTP/1.1 on a loopback address, for AWS CLIs, boto3 and `aws_sdk_lambda`
//! clients with an endpoint URL.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{self, ApiRequest, ApiResponse};
use crate::runner::{BoxFuture, Core};

/// A transport-neutral request handler.
pub type Handler = Arc<dyn Fn(ApiRequest) -> BoxFuture<ApiResponse> + Send + Sync>;

/// A running HTTP server; dropping it (or calling [`HttpServer::shutdown`]) stops accepting.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl HttpServer {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL to give clients (`http://127.0.0.1:PORT`).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn to_api_request(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<ApiRequest, hyper::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    Ok(ApiRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
    })
}

/// Binds `addr` and serves the API until the returned handle is dropped.
pub async fn serve(core: Arc<Core>, addr: SocketAddr) -> std::io::Result<HttpServer> {
    let handler: Handler = Arc::new(move |req| {
        let core = Arc::clone(&core);
        Box::pin(async move { api::handle(&core, req).await })
    });
    serve_with(handler, addr).await
}

/// Binds `addr` and answers every request with `handler`.
pub async fn serve_with(handler: Handler, addr: SocketAddr) -> std::io::Result<HttpServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stopped.changed() => return,
            };
            let Ok((stream, _)) = accepted else { continue };
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let handler = Arc::clone(&handler);
                    async move {
                        let api_request = to_api_request(req).await?;
                        let response = handler(api_request).await;
                        let mut builder = hyper::Response::builder().status(response.status);
                        for (k, v) in &response.headers {
                            builder = builder.header(k, v);
                        }
                        let body = Full::new(Bytes::from(response.body));
                        Ok::<_, hyper::Error>(builder.body(body).unwrap_or_else(|_| {
                            let mut r = hyper::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                            r
                        }))
                    }
                });
                if let Err(e) = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!("connection ended: {e}");
                }
            });
        }
    });
    Ok(HttpServer { addr, stop })
}
