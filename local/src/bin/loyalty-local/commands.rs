//! The short-lived subcommands: `token`, `publish`, `dlq`, `events`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use loyalty_local::bus::EntryResult;
use loyalty_local::bus::EventBridgeClient;
use loyalty_local::embedded::archive::visit_archive;
use loyalty_local::embedded::dead_letters::list_dead_letters;
use loyalty_local::embedded::{Database, Topology};
use loyalty_local::secret::resolve_secret;
use loyalty_local::service::DATABASE_FILE;
use loyalty_service::core::jwt::{DEFAULT_MAX_TOKEN_LIFETIME_SECS, mint_hs256};
use loyalty_service::ports::{Clock, SystemClock};
use loyalty_service::producers;
use serde_json::json;

use crate::cli::{Backend, ListArgs, PublishArgs, PublishEvent, ServeArgs, TokenArgs};

/// `serve` on the backend `args` names.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    match args.backend {
        Backend::Embedded => crate::serve::serve_embedded(args).await,
        #[cfg(feature = "aws")]
        Backend::Aws => crate::serve_aws::serve_aws(args).await,
        #[cfg(not(feature = "aws"))]
        Backend::Aws => bail!(
            "this loyalty-local was built without the AWS backend; build it with `--features aws` \
             (e.g. `cargo run --release --features aws --bin loyalty-local -- serve --backend aws`)"
        ),
    }
}

/// The stderr warning for a `--ttl` longer than the maximum token lifetime the service accepts by default
/// (behaviour F2): such a token is still minted, but a server on the default refuses it.
fn ttl_warning(ttl: i64) -> Option<String> {
    let longest = i64::try_from(DEFAULT_MAX_TOKEN_LIFETIME_SECS).unwrap_or(i64::MAX);
    (ttl > longest).then(|| {
        format!(
            "warning: --ttl {ttl} is longer than {longest} s (30 days), the longest token lifetime the service \
             accepts by default; a server refuses this token unless it runs with --max-token-lifetime (or \
             JWT_MAX_TOKEN_LIFETIME_SECONDS) of at least {ttl}"
        )
    })
}

/// `token`: prints a token for the configured or kept secret, nothing else on stdout.
pub fn token(args: &TokenArgs) -> anyhow::Result<()> {
    if args.user.is_empty() {
        bail!("--user must not be empty");
    }
    if args.ttl <= 0 {
        bail!("--ttl must be a positive number of seconds");
    }
    if let Some(warning) = ttl_warning(args.ttl) {
        eprintln!("{warning}");
    }
    let (secret, origin) = resolve_secret(args.jwt_secret.as_deref(), &args.data_dir.data_dir)
        .context("cannot read or create the JWT secret")?;
    if matches!(origin, loyalty_local::secret::SecretOrigin::Generated(_)) {
        eprintln!("{}", origin.describe());
    }
    let token = mint_hs256(
        &args.user,
        secret.as_bytes(),
        SystemClock.now_ms() / 1000,
        args.ttl,
    )
    .context("cannot mint the token")?;
    println!("{token}");
    Ok(())
}

/// `publish`: one PutEvents call; prints the event id.
pub async fn publish(args: &PublishArgs) -> anyhow::Result<()> {
    let now_ms = SystemClock.now_ms();
    let (event, target) = match &args.event {
        PublishEvent::UserCreated { user, target } => {
            (producers::user_created(&target.env, user, now_ms), target)
        }
        PublishEvent::OrderCompleted {
            user,
            order,
            v2,
            target,
        } => (
            producers::order_completed(&target.env, user, order, *v2, now_ms),
            target,
        ),
    };
    let bus_name = Topology::for_env(&target.env).bus_name;
    let mut client = EventBridgeClient::new(&target.endpoint, &bus_name)?;
    if let Some(credentials) = target.put_events.credentials()? {
        client = client.with_credentials(credentials);
    }
    let results = client
        .put_events(std::slice::from_ref(&event))
        .await
        .with_context(|| format!("cannot publish to {}", target.endpoint))?;
    match results.first() {
        Some(EntryResult::Accepted { event_id }) => {
            println!("{event_id}");
            Ok(())
        }
        Some(EntryResult::Failed {
            error_code,
            error_message,
        }) => bail!("the bus refused the event: {error_code}: {error_message}"),
        None => bail!("the bus answered without an entry result"),
    }
}

fn open_existing(data_dir: &Path) -> anyhow::Result<Database> {
    let path = data_dir.join(DATABASE_FILE);
    if !path.exists() {
        bail!(
            "no loyalty data in {} (start `loyalty-local serve --data-dir {}` first)",
            data_dir.display(),
            data_dir.display()
        );
    }
    Database::open(&path).with_context(|| format!("cannot open {}", path.display()))
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `dlq`: the dead letters, oldest first.
pub fn dlq(args: &ListArgs) -> anyhow::Result<()> {
    let db = open_existing(&args.data_dir.data_dir)?;
    let dead_letters = list_dead_letters(&db)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for letter in &dead_letters {
        if args.json {
            let line = json!({
                "queue": letter.queue,
                "message_id": letter.message_id,
                "event_id": letter.event_id,
                "detail_type": letter.detail_type,
                "reason": letter.reason,
                "body": letter.body,
            });
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{}  message {}  event {}  {}  reason: {}",
                letter.queue,
                letter.message_id,
                letter.event_id.as_deref().unwrap_or("-"),
                letter.detail_type.as_deref().unwrap_or("-"),
                one_line(&letter.reason)
            )?;
        }
    }
    if !args.json {
        writeln!(out, "{} dead letter(s)", dead_letters.len())?;
    }
    out.flush()?;
    Ok(())
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `events`: the bus archive, oldest first. The stored detail is valid JSON (the bus validated it), so it is
/// written as stored unless it spans several lines.
pub fn events(args: &ListArgs) -> anyhow::Result<()> {
    let db = open_existing(&args.data_dir.data_dir)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let json = args.json;
    let count = visit_archive(&db, |event_id, source, detail_type, detail, time| {
        if !json {
            return writeln!(
                out,
                "{time}  {event_id}  {source}  {detail_type}  {}",
                one_line(detail)
            );
        }
        let detail = if detail.contains(['\n', '\r']) {
            serde_json::from_str::<serde_json::Value>(detail)
                .map_or_else(|_| json_string(detail), |v| v.to_string())
        } else {
            detail.to_owned()
        };
        writeln!(
            out,
            "{{\"event_id\":{},\"source\":{},\"detail_type\":{},\"detail\":{detail},\"time\":{}}}",
            json_string(event_id),
            json_string(source),
            json_string(detail_type),
            json_string(time)
        )
    })?;
    if !json {
        writeln!(out, "{count} event(s)")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn a_ttl_beyond_the_default_maximum_lifetime_is_warned_about() {
        assert_eq!(ttl_warning(86_400), None);
        assert_eq!(ttl_warning(2_592_000), None);
        let warning = ttl_warning(2_592_001).unwrap();
        assert!(
            warning.starts_with("warning: --ttl 2592001 is longer than 2592000 s"),
            "{warning}"
        );
        assert!(warning.contains("--max-token-lifetime"), "{warning}");
        assert!(ttl_warning(i64::MAX).is_some());
    }

    #[test]
    fn serve_takes_a_maximum_token_lifetime_of_thirty_days_unless_given() {
        let default = Cli::try_parse_from(["loyalty-local"]).unwrap();
        assert_eq!(default.serve.max_token_lifetime, 2_592_000);
        let given = Cli::try_parse_from(["loyalty-local", "serve", "--max-token-lifetime", "3600"])
            .unwrap();
        let Some(Command::Serve(serve)) = given.command else {
            panic!("not serve: {given:?}");
        };
        assert_eq!(serve.max_token_lifetime, 3600);
        for bad in ["0", "-1", "1.5", "a day"] {
            let error =
                Cli::try_parse_from(["loyalty-local", "--max-token-lifetime", bad]).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad}");
        }
    }
}
