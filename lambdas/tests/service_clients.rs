//! The service clients: TLS to an `https://` endpoint (plain HTTP to an `http://` one), failures recorded on spans.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lambdas::adapters::http::service_clients::{ProductServiceClient, http_client};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// The first byte the client sends to a listener on 127.0.0.1 when asked for `<scheme>://<listener>`.
async fn first_byte_sent(scheme: &str) -> u8 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("{scheme}://{}", listener.local_addr().unwrap());
    let call = tokio::spawn(async move {
        ProductServiceClient::new(&base, http_client().unwrap())
            .list_products()
            .await
    });
    let (mut socket, _) =
        tokio::time::timeout(std::time::Duration::from_secs(10), listener.accept())
            .await
            .expect("the client connects within 10 s")
            .unwrap();
    let mut first = [0u8; 1];
    socket.read_exact(&mut first).await.unwrap();
    drop(socket);
    assert!(call.await.unwrap().is_err(), "the connection was closed");
    first[0]
}

#[tokio::test]
async fn an_https_endpoint_gets_a_tls_client_hello_and_an_http_one_plain_http() {
    // 0x16: a TLS handshake record; b'G': `GET /product`.
    assert_eq!(first_byte_sent("https").await, 0x16);
    assert_eq!(first_byte_sent("http").await, b'G');
}

/// Captures what a `fmt` subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_call_is_an_error_on_its_span() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Nothing listens on port 1 of the loopback interface: the connection is refused.
    let client = ProductServiceClient::new("http://127.0.0.1:1", http_client().unwrap());
    assert!(client.list_products().await.is_err());
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("ERROR"))
        .unwrap_or_else(|| panic!("no error recorded: {log}"));
    assert!(
        line.contains("productService.listProducts{base_url=http://127.0.0.1:1}")
            && line.contains("error=ProductService unreachable at http://127.0.0.1:1/product"),
        "{line}"
    );
}
