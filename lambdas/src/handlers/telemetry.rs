//! Consumer-side observability that can never fail the business logic (F16): every field is optional and parsed
//! leniently; a malformed `traceparent` or `_datadog` carrier is ignored.

use tracing::Span;

use crate::core::cloud_event::CloudEvent;

/// A span link target taken from a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), if well-formed.
pub fn span_link(traceparent: Option<&str>) -> Option<(String, String)> {
    let mut parts = traceparent?.split('-');
    let (_version, trace_id, span_id) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(trace_id, 32) && hex(span_id, 16)).then(|| (trace_id.to_owned(), span_id.to_owned()))
}

/// The `process <type>` span of one consumed event, with the messaging attributes of the original (debug level:
/// formatting its fields for every message costs more than the credit itself at INFO).
pub fn consumer_span(event: &CloudEvent, now_ms: i64) -> Span {
    let link = span_link(event.traceparent());
    let age_ms = event.time_ms().map(|t| now_ms - t);
    tracing::debug_span!(
        "process",
        otel.name = %format!("process {}", event.event_type),
        messaging.system = "eventbridge",
        messaging.operation.type = "process",
        messaging.message.type = %event.event_type,
        messaging.message.domain = event.source.as_deref().unwrap_or_default(),
        messaging.message.age = age_ms,
        link.trace_id = link.as_ref().map(|l| l.0.as_str()),
        link.span_id = link.as_ref().map(|l| l.1.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_traceparent_gives_a_link() {
        assert_eq!(
            span_link(Some(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            )),
            Some((
                "0af7651916cd43dd8448eb211c80319c".into(),
                "b7ad6b7169203331".into()
            ))
        );
        for bad in [
            None,
            Some(""),
            Some("garbage"),
            Some("00-xyz-abc-01"),
            Some("00-0af7651916cd43dd8448eb211c80319c"),
        ] {
            assert_eq!(span_link(bad), None, "{bad:?}");
        }
    }
}
