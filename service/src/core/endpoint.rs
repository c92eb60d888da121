//! What an endpoint URL says about itself, before any connection.

/// Whether a URL is plain `http://` (any case), so no TLS is ever negotiated with it.
pub fn is_plain_http(url: &str) -> bool {
    url.trim_start()
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}
