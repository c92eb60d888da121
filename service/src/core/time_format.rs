//! Timestamps as the original writes them (JavaScript `toISOString`, EventBridge `time`).

use time::OffsetDateTime;

fn utc(epoch_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// ISO-8601 UTC with milliseconds, e.g. `2026-03-09T08:35:45.123Z` (JavaScript `toISOString`).
pub fn iso_millis(epoch_ms: i64) -> String {
    let t = utc(epoch_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// ISO-8601 UTC to the second, e.g. `2026-03-09T08:35:45Z` (the EventBridge envelope's `time`).
pub fn iso_seconds(epoch_ms: i64) -> String {
    let mut text = iso_millis(epoch_ms);
    text.replace_range(19.., "Z");
    text
}

/// Parses a CloudEvent `time` as producers send it: RFC 3339 or an epoch-milliseconds string. `None` otherwise.
pub fn parse_event_time_ms(text: &str) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let parsed =
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_javascript_to_iso_string() {
        assert_eq!(iso_millis(1_718_000_000_123), "2024-06-10T06:13:20.123Z");
        assert_eq!(iso_seconds(1_718_000_000_123), "2024-06-10T06:13:20Z");
    }

    #[test]
    fn parses_epoch_millis_and_rfc3339() {
        assert_eq!(
            parse_event_time_ms("1718000000000"),
            Some(1_718_000_000_000)
        );
        assert_eq!(
            parse_event_time_ms("2024-06-10T06:13:20.123Z"),
            Some(1_718_000_000_123)
        );
        assert_eq!(
            parse_event_time_ms("2024-06-10T08:13:20+02:00"),
            Some(1_718_000_000_000)
        );
        assert_eq!(parse_event_time_ms("yesterday"), None);
    }
}
