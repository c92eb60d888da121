//! The service clients speak TLS to an `https://` endpoint and plain HTTP to an `http://` one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_service::http::service_clients::{ProductServiceClient, http_client};
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
