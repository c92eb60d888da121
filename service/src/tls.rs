//! The system's root certificates, read once per process, and one TLS client configuration for every HTTP client the
//! service builds (the service clients of the tier workflow, the OTLP span exporter; the Lambda functions give the
//! same certificates to the AWS SDK's client). A process whose certificate store is missing or empty still builds its
//! clients: its plain `http` endpoints work (local runs, emulators, the telemetry agent on localhost), and an
//! `https` call fails at its handshake, naming the unknown issuer, instead of the whole process failing to start.

use std::sync::{Arc, LazyLock};

use base64::Engine;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

static ROOTS: LazyLock<Vec<CertificateDer<'static>>> = LazyLock::new(|| {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        tracing::warn!(%error, "cannot read a system CA certificate");
    }
    if loaded.certs.is_empty() {
        tracing::warn!(
            "no system CA certificates found (SSL_CERT_FILE / SSL_CERT_DIR, or the system store): https calls will \
             fail, http calls work"
        );
    }
    loaded.certs
});

static CONFIG: LazyLock<Result<Arc<ClientConfig>, String>> = LazyLock::new(build);

/// The system's root certificates (DER), read on first use.
pub fn system_roots() -> &'static [CertificateDer<'static>] {
    &ROOTS
}

/// [`system_roots`] as one PEM bundle, for clients that take PEM (the AWS SDK's trust store).
pub fn system_roots_pem() -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut pem = String::new();
    for cert in system_roots() {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let encoded = engine.encode(cert.as_ref());
        for line in encoded.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem
}

fn build() -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(system_roots().iter().cloned());
    if ignored > 0 {
        tracing::warn!(ignored, "system CA certificates ignored as unparsable");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("the TLS protocol versions: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A `reqwest` client builder on the process's shared TLS configuration.
pub fn client_builder() -> Result<reqwest::ClientBuilder, String> {
    let config = CONFIG.as_ref().map_err(Clone::clone)?;
    Ok(reqwest::Client::builder().tls_backend_preconfigured(ClientConfig::clone(config)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn clients_share_one_configuration_and_reach_a_plain_http_endpoint() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "plain" }));
            axum::serve(listener, app).await.unwrap();
        });
        let first = Arc::as_ptr(CONFIG.as_ref().unwrap());
        let client = client_builder().unwrap().build().unwrap();
        let second = Arc::as_ptr(CONFIG.as_ref().unwrap());

        let body = client
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();

        assert_eq!(first, second);
        assert_eq!(body, "plain");
        server.abort();
    }

    #[test]
    fn the_pem_bundle_holds_every_system_root_and_reads_back_to_the_same_certificates() {
        use rustls::pki_types::pem::PemObject;
        let pem = system_roots_pem();
        let back: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, system_roots());
    }
}
