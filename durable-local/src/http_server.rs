//! Serves an axum [`Router`] over HTTP/1.1 on a loopback address, for AWS CLIs, boto3 and
//! `aws_sdk_lambda` clients with an endpoint URL, within the connection limits of
//! [`local_guard::http::Limits`] (header-read, body-read and idle timeouts, a connection cap).

use std::net::SocketAddr;

use axum::Router;
use local_guard::http::Limits;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A running HTTP server. [`HttpServer::shutdown`] (or dropping it) stops accepting
/// connections; the requests in flight are still answered, and [`HttpServer::stopped`]
/// resolves once they are.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: CancellationToken,
    tasks: TaskTracker,
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
        self.stop.cancel();
    }

    /// Resolves when the server has stopped: after [`HttpServer::shutdown`], once every request
    /// in flight has been answered and its connection closed.
    pub async fn stopped(&self) {
        self.tasks.wait().await;
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds `addr`, which must be a loopback address, and serves `router` within `limits` until
/// the returned handle is shut down or dropped.
pub(crate) async fn serve(
    router: Router,
    addr: SocketAddr,
    limits: Limits,
) -> std::io::Result<HttpServer> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to listen on {addr}: only loopback addresses are served"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    limits
        .validate()
        .map_err(|m| std::io::Error::new(std::io::ErrorKind::InvalidInput, m))?;
    // Stopping stops accepting, lets each busy connection finish its request and waits for all
    // of them.
    let serving = local_guard::http::serve(listener, router, limits, stop.clone());
    tasks.spawn(async move {
        if let Err(e) = serving.await {
            tracing::error!("the HTTP server on {addr} failed: {e}");
        }
    });
    tasks.close();
    Ok(HttpServer { addr, stop, tasks })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn only_loopback_addresses_are_served() {
        let refused = serve(
            Router::new(),
            "0.0.0.0:0".parse().unwrap(),
            Limits::default(),
        )
        .await
        .unwrap_err();
        let served = serve(
            Router::new(),
            "127.0.0.1:0".parse().unwrap(),
            Limits::default(),
        )
        .await
        .unwrap();

        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
        assert!(served.local_addr().ip().is_loopback());
        assert_ne!(served.local_addr().port(), 0);
    }

    /// Answers after `release` is notified.
    fn slow_router(release: std::sync::Arc<tokio::sync::Notify>) -> Router {
        Router::new().route(
            "/slow",
            axum::routing::get(move || {
                let release = std::sync::Arc::clone(&release);
                async move {
                    release.notified().await;
                    "done"
                }
            }),
        )
    }

    async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok(answer)
    }

    #[tokio::test]
    async fn shutdown_answers_the_request_in_flight_then_stops() {
        let release = std::sync::Arc::new(tokio::sync::Notify::new());
        let server = serve(
            slow_router(std::sync::Arc::clone(&release)),
            "127.0.0.1:0".parse().unwrap(),
            Limits::default(),
        )
        .await
        .unwrap();
        let addr = server.local_addr();
        let in_flight = tokio::spawn(async move { get(addr, "/slow").await });
        // Let the request reach the handler before stopping.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;

        server.shutdown();
        // The accept loop notices at its next poll and closes the listener.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let refused = tokio::net::TcpStream::connect(addr).await;
        let still_running =
            tokio::time::timeout(std::time::Duration::from_millis(50), server.stopped()).await;
        release.notify_one();
        let answer = in_flight.await.unwrap().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), server.stopped())
            .await
            .unwrap();

        assert!(refused.is_err(), "a new connection was accepted");
        assert!(still_running.is_err(), "stopped before answering");
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("done"), "{answer}");
    }
}
