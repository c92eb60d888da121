//! What the crate's HTTP clients (the service clients, the OTLP exporter) trust, decided from the endpoints they
//! will call: a client whose endpoints are all plain `http://` never negotiates TLS, so it trusts no certificate
//! authority and reads no certificate store (milliseconds of a cold start, and a machine without a certificate
//! directory still works); any other client verifies with the platform's store.

/// Whether a URL is plain `http://` (any case), so no TLS is ever negotiated with it.
pub fn is_plain_http(url: &str) -> bool {
    url.trim_start()
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// `builder`, trusting no certificate authority when every one of `endpoints` is plain `http://` (see the module);
/// unchanged otherwise. An empty list is not all-plain: nothing is known of the endpoints, so the store is kept.
pub fn trust_for(builder: reqwest::ClientBuilder, endpoints: &[&str]) -> reqwest::ClientBuilder {
    if !endpoints.is_empty() && endpoints.iter().all(|endpoint| is_plain_http(endpoint)) {
        builder.tls_certs_only(Vec::new())
    } else {
        builder
    }
}
