//! The service clients speak TLS to an `https://` endpoint and plain HTTP to an `http://` one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_service::http::service_clients::{ProductServiceClient, http_client_for};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// The first byte the client sends to a listener on 127.0.0.1 when asked for `<scheme>://<listener>`.
async fn first_byte_sent(scheme: &str) -> u8 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("{scheme}://{}", listener.local_addr().unwrap());
    let call = tokio::spawn(async move {
        ProductServiceClient::new(&base, http_client_for(&[&base]).unwrap())
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

#[test]
fn only_plain_http_endpoints_are_served_without_a_certificate_store() {
    use loyalty_service::net::is_plain_http;
    assert!(is_plain_http("http://127.0.0.1:1"));
    assert!(is_plain_http("HTTP://localhost:4318/v1/traces"));
    assert!(!is_plain_http("https://api.example.com"));
    assert!(!is_plain_http("httpx://host"));
    assert!(!is_plain_http("http:/"));
    assert!(!is_plain_http(""));
    // A client for plain-http endpoints builds without reading any store; one for https verifies with the platform's.
    assert!(http_client_for(&["http://127.0.0.1:1", "http://localhost:2"]).is_ok());
    assert!(http_client_for(&["http://127.0.0.1:1", "https://api.example.com"]).is_ok());
}
