//! Durations as written in the DSL: an integer and a unit, e.g. `250ms`, `5s`, `5m`, `1h`.

use std::time::Duration;

/// The longest duration accepted anywhere (a year), so arithmetic on it never overflows.
pub(crate) const MAX: Duration = Duration::from_secs(366 * 24 * 3600);

/// Parses `<digits><unit>` with unit `ms`, `s`, `m` or `h`. Errors say what is wrong with the text.
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() || unit.is_empty() {
        return Err("expected a whole number and a unit (`ms`, `s`, `m` or `h`)".to_string());
    }
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` (expected `ms`, `s`, `m` or `h`)"
            ));
        }
    };
    let too_long = || "it is longer than a year".to_string();
    let amount: u64 = digits.parse().map_err(|_| too_long())?;
    let millis = amount.checked_mul(millis_per_unit).ok_or_else(too_long)?;
    let duration = Duration::from_millis(millis);
    if duration > MAX {
        return Err(too_long());
    }
    Ok(duration)
}

/// Formats a duration the way the DSL writes it (largest exact unit).
pub fn format(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        "0s".to_string()
    } else if millis.is_multiple_of(3_600_000) {
        format!("{}h", millis / 3_600_000)
    } else if millis.is_multiple_of(60_000) {
        format!("{}m", millis / 60_000)
    } else if millis.is_multiple_of(1_000) {
        format!("{}s", millis / 1_000)
    } else {
        format!("{millis}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_milliseconds_seconds_minutes_and_hours() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
    }

    #[test]
    fn a_number_without_unit_is_rejected_with_the_expected_form() {
        assert_eq!(
            parse("300"),
            Err("expected a whole number and a unit (`ms`, `s`, `m` or `h`)".to_string())
        );
        assert_eq!(
            parse("5d"),
            Err("unknown unit `d` (expected `ms`, `s`, `m` or `h`)".to_string())
        );
        assert_eq!(
            parse("99999999999999999999h"),
            Err("it is longer than a year".to_string())
        );
    }

    #[test]
    fn formatting_uses_the_largest_exact_unit() {
        assert_eq!(format(Duration::from_secs(300)), "5m");
        assert_eq!(format(Duration::from_millis(1500)), "1500ms");
        assert_eq!(format(Duration::from_secs(90)), "90s");
    }
}
