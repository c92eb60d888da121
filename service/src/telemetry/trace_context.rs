//! W3C trace context in and out of CloudEvents: the producer's context for a span link, and the current span's
//! `traceparent` for an event we publish. Malformed input gives `None`, never an error (behaviour F16).

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The remote span context of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`): `None` when absent, malformed or
/// all-zero.
pub fn remote_span_context(traceparent: Option<&str>) -> Option<SpanContext> {
    let mut parts = traceparent?.split('-');
    let (version, trace_id, span_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !(hex(version, 2) && hex(trace_id, 32) && hex(span_id, 16) && hex(flags, 2)) {
        return None;
    }
    let context = SpanContext::new(
        TraceId::from_hex(trace_id).ok()?,
        SpanId::from_hex(span_id).ok()?,
        TraceFlags::new(u8::from_str_radix(flags, 16).ok()?),
        true,
        TraceState::default(),
    );
    context.is_valid().then_some(context)
}

/// The `traceparent` of the current `tracing` span as OpenTelemetry records it; `None` when spans are not exported.
pub fn current_traceparent() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context.is_valid().then(|| {
        format!(
            "00-{:032x}-{:016x}-{:02x}",
            span_context.trace_id(),
            span_context.span_id(),
            span_context.trace_flags().to_u8()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_traceparent_is_a_remote_sampled_context() {
        let context = remote_span_context(Some(
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ));
        let context = context.expect("a context");
        assert_eq!(
            format!("{:032x}", context.trace_id()),
            "0af7651916cd43dd8448eb211c80319c"
        );
        assert_eq!(format!("{:016x}", context.span_id()), "b7ad6b7169203331");
        assert!(context.is_remote());
        assert!(context.is_sampled());
    }

    #[test]
    fn malformed_or_zero_traceparents_give_nothing() {
        for bad in [
            None,
            Some(""),
            Some("garbage"),
            Some("00-xyz-abc-01"),
            Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"),
            Some("00-00000000000000000000000000000000-b7ad6b7169203331-01"),
            Some("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"),
            Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333z-01"),
        ] {
            assert_eq!(remote_span_context(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn without_an_exporting_subscriber_there_is_no_current_traceparent() {
        assert_eq!(current_traceparent(), None);
    }
}
