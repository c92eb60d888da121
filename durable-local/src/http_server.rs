//! Serves an axum [`Router`] over HTTP/1.1 on a loopback address, for AWS CLIs, boto3 and
//! `aws_sdk_lambda` clients with an endpoint URL.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

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

    /// Stops accepting connections; the requests in flight are still answered.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `addr`, which must be a loopback address, and serves `router` until the returned
/// handle is dropped.
pub(crate) async fn serve(router: Router, addr: SocketAddr) -> std::io::Result<HttpServer> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to listen on {addr}: only loopback addresses are served"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    tokio::spawn(async move {
        let stopping = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(stopping)
            .await
        {
            tracing::error!("the HTTP server on {addr} failed: {e}");
        }
    });
    Ok(HttpServer { addr, stop })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn only_loopback_addresses_are_served() {
        let refused = serve(Router::new(), "0.0.0.0:0".parse().unwrap())
            .await
            .unwrap_err();
        let served = serve(Router::new(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();

        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
        assert!(served.local_addr().ip().is_loopback());
        assert_ne!(served.local_addr().port(), 0);
    }
}
