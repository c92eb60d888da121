//! A failed service call is recorded as an error on its span (behaviour F13). Alone in its test binary: tracing caches
//! a callsite's interest process-wide, so a call made by a concurrent test without a subscriber could disable the span.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_service::http::service_clients::{ProductServiceClient, http_client_for};

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
    let client = ProductServiceClient::new(
        "http://127.0.0.1:1",
        http_client_for(&["http://127.0.0.1:1"]).unwrap(),
    );
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
