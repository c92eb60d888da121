//! The `loyalty-local` subcommands other than `serve`: `token`, `publish`, `dlq --json` and `events --json`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::process::Command;

use crate::api::json_document;

/// How long a subcommand may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `loyalty-local <args>` and returns its stdout; a non-zero exit is an error carrying stderr.
pub async fn run(binary: &Path, args: &[&str]) -> anyhow::Result<String> {
    let child = Command::new(binary)
        .args(args)
        .env("ENV", "dev")
        .env("NO_COLOR", "1")
        .env_remove("JWT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} {args:?}", binary.display()))?;
    let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .with_context(|| {
            format!("loyalty-local {args:?} did not finish in {COMMAND_TIMEOUT:?}")
        })??;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "loyalty-local {args:?} exited with {}\nstdout: {stdout}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// Parses one JSON object per non-empty line.
pub fn json_lines(output: &str) -> anyhow::Result<Vec<Value>> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).with_context(|| format!("not a JSON line: {line}")))
        .collect()
}

/// `loyalty-local dlq --data-dir DIR --json`: the dead letters.
pub async fn dead_letters(binary: &Path, data_dir: &Path) -> anyhow::Result<Vec<DeadLetter>> {
    let data_dir = data_dir.to_string_lossy();
    let output = run(binary, &["dlq", "--data-dir", &data_dir, "--json"]).await?;
    json_lines(&output)?
        .iter()
        .map(DeadLetter::from_json)
        .collect()
}

/// `loyalty-local events --data-dir DIR --json`: the bus archive.
pub async fn bus_archive(binary: &Path, data_dir: &Path) -> anyhow::Result<Vec<ArchivedEvent>> {
    let data_dir = data_dir.to_string_lossy();
    let output = run(binary, &["events", "--data-dir", &data_dir, "--json"]).await?;
    json_lines(&output)?
        .iter()
        .map(ArchivedEvent::from_json)
        .collect()
}

/// One line of `dlq --json`.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The queue the message died in.
    pub queue: String,
    /// The queue message id.
    pub message_id: String,
    /// The EventBridge event id.
    pub event_id: String,
    /// The EventBridge detail-type.
    pub detail_type: String,
    /// Why it was dead-lettered.
    pub reason: String,
    /// The message body (the EventBridge event JSON).
    pub body: Value,
}

impl DeadLetter {
    fn from_json(line: &Value) -> anyhow::Result<Self> {
        Ok(Self {
            queue: text_field(line, "queue")?,
            message_id: text_field(line, "message_id")?,
            event_id: text_field(line, "event_id")?,
            detail_type: text_field(line, "detail_type")?,
            reason: text_field(line, "reason")?,
            body: json_document(&line["body"])?,
        })
    }
}

/// One line of `events --json`.
#[derive(Debug, Clone)]
pub struct ArchivedEvent {
    /// The EventBridge event id.
    pub event_id: String,
    /// EventBridge `Source`.
    pub source: String,
    /// EventBridge `DetailType`.
    pub detail_type: String,
    /// The detail (a CloudEvent).
    pub detail: Value,
    /// When the bus accepted it, as the archive spells it (RFC 3339).
    pub time: String,
}

impl ArchivedEvent {
    fn from_json(line: &Value) -> anyhow::Result<Self> {
        Ok(Self {
            event_id: text_field(line, "event_id")?,
            source: text_field(line, "source")?,
            detail_type: text_field(line, "detail_type")?,
            detail: json_document(&line["detail"])?,
            time: text_field(line, "time")?,
        })
    }

    /// Whether the CloudEvent's `data.userId` is `user_id`.
    pub fn is_for_user(&self, user_id: &str) -> bool {
        self.detail["data"]["userId"].as_str() == Some(user_id)
    }
}

fn text_field(line: &Value, key: &str) -> anyhow::Result<String> {
    line[key]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no string `{key}` in {line}"))
}

/// `loyalty-local token --user ID --jwt-secret S`: the printed token.
pub async fn token(binary: &Path, user_id: &str, secret: &str) -> anyhow::Result<String> {
    let output = run(
        binary,
        &["token", "--user", user_id, "--jwt-secret", secret],
    )
    .await?;
    let token = output.trim();
    anyhow::ensure!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "`token` printed {output:?}"
    );
    Ok(token.to_owned())
}

/// `loyalty-local publish user-created --user ID --endpoint URL`.
pub async fn publish_user_created(
    binary: &Path,
    user_id: &str,
    endpoint: &str,
) -> anyhow::Result<String> {
    run(
        binary,
        &[
            "publish",
            "user-created",
            "--user",
            user_id,
            "--endpoint",
            endpoint,
        ],
    )
    .await
}

/// `loyalty-local publish order-completed --user ID --order ID [--v2] --endpoint URL`.
pub async fn publish_order_completed(
    binary: &Path,
    user_id: &str,
    order_id: &str,
    v2: bool,
    endpoint: &str,
) -> anyhow::Result<String> {
    let mut args = vec![
        "publish",
        "order-completed",
        "--user",
        user_id,
        "--order",
        order_id,
    ];
    if v2 {
        args.push("--v2");
    }
    args.extend(["--endpoint", endpoint]);
    run(binary, &args).await
}

/// Polls the bus archive until `accept` returns `Some` for its events (published events appear asynchronously).
pub async fn wait_for_archive<T>(
    binary: &Path,
    data_dir: &Path,
    what: &str,
    timeout: Duration,
    accept: impl Fn(&[ArchivedEvent]) -> Result<T, String>,
) -> anyhow::Result<T> {
    let accept = &accept;
    crate::wait::wait_until(what, timeout, || async move {
        Ok(accept(&bus_archive(binary, data_dir).await?))
    })
    .await
}

/// `2026-11-24T21:25:11.493Z` -> milliseconds since the epoch (UTC only, which is what the archive writes).
pub fn epoch_millis_of(time: &str) -> Option<i64> {
    let (date, clock) = time.strip_suffix('Z')?.split_once('T')?;
    let mut date_parts = date.split('-').map(str::parse::<i64>);
    let (year, month, day) = (
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
    );
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut clock_parts = hms.split(':').map(str::parse::<i64>);
    let (hour, minute, second) = (
        clock_parts.next()?.ok()?,
        clock_parts.next()?.ok()?,
        clock_parts.next()?.ok()?,
    );
    let millis: i64 = format!("{fraction:0<3}")[..3].parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_times_convert_to_epoch_milliseconds() {
        assert_eq!(epoch_millis_of("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            epoch_millis_of("2026-11-24T21:25:11.493Z"),
            Some(1_795_555_511_493)
        );
        assert_eq!(
            epoch_millis_of("2000-02-29T12:00:00.5Z"),
            Some(951_825_600_500)
        );
        assert_eq!(epoch_millis_of("2026-11-24T21:25:11+01:00"), None);
    }
}
