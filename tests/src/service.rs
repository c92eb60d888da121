//! Starts `loyalty-local serve` on a free loopback port in a temporary data directory, and stops it.
//!
//! Every process started here is killed when its [`RunningService`] is dropped (SIGKILL), so a failing test leaves
//! nothing behind.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::binary::{BinaryProfile, locate_loyalty_local};

/// How long start-up may take before the test fails.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a graceful stop may take.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
/// How many of the latest output lines are kept for failure messages.
const KEPT_LOG_LINES: usize = 400;
/// The start-up line the service prints once it accepts connections.
const LISTENING_MARKER: &str = "listening on http://";

/// How to start the service.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// Which build of `loyalty-local` to run.
    pub profile: BinaryProfile,
    /// `--jwt-secret`.
    pub jwt_secret: String,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            profile: BinaryProfile::SameAsCurrent,
            jwt_secret: crate::TEST_JWT_SECRET.to_owned(),
        }
    }
}

/// A running `loyalty-local serve` process with its data directory.
pub struct RunningService {
    child: Child,
    addr: SocketAddr,
    data_dir: Option<TempDir>,
    data_path: PathBuf,
    binary: PathBuf,
    options: ServiceOptions,
    logs: Arc<Mutex<VecDeque<String>>>,
}

impl RunningService {
    /// Starts the service (debug build, the test secret) in a new temporary data directory.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(
            ServiceOptions::default(),
            TempDir::with_prefix("loyalty-e2e-")?,
        )
        .await
    }

    /// Starts the service with `options` on the data directory `data_dir` (which may hold an earlier run's data).
    pub async fn start_with(options: ServiceOptions, data_dir: TempDir) -> anyhow::Result<Self> {
        let binary = locate_loyalty_local(options.profile)?;
        let port = free_loopback_port()?;
        let mut child = Command::new(&binary)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--jwt-secret")
            .arg(&options.jwt_secret)
            .env("ENV", "dev")
            .env("NO_COLOR", "1")
            .env_remove("JWT_SECRET")
            .env_remove("JWT_MAX_TOKEN_LIFETIME_SECONDS")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let logs = Arc::new(Mutex::new(VecDeque::new()));
        let (announced_tx, mut announced_rx) = watch::channel(None);
        let announced_tx = Arc::new(announced_tx);
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(collect_lines(
                stdout,
                Arc::clone(&logs),
                Arc::clone(&announced_tx),
            ));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(collect_lines(
                stderr,
                Arc::clone(&logs),
                Arc::clone(&announced_tx),
            ));
        }
        let data_path = data_dir.path().to_path_buf();
        let mut service = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            data_dir: Some(data_dir),
            data_path,
            binary,
            options,
            logs,
        };
        let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(addr) = *announced_rx.borrow_and_update() {
                service.addr = addr;
                break;
            }
            if let Some(status) = service.child.try_wait()? {
                bail!(
                    "loyalty-local exited during start-up with {status}\n{}",
                    service.recent_logs()
                );
            }
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "loyalty-local did not print `{LISTENING_MARKER}` within {STARTUP_TIMEOUT:?}\n{}",
                    service.recent_logs()
                );
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), announced_rx.changed()).await;
        }
        service.wait_for_port(deadline).await?;
        Ok(service)
    }

    async fn wait_for_port(&self, deadline: tokio::time::Instant) -> anyhow::Result<()> {
        loop {
            match tokio::net::TcpStream::connect(self.addr).await {
                Ok(_) => return Ok(()),
                Err(error) if tokio::time::Instant::now() >= deadline => {
                    bail!(
                        "{} announced but does not accept connections: {error}\n{}",
                        self.addr,
                        self.recent_logs()
                    )
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// The address the service listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for the CLI's `--endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_path
    }

    /// The binary this service runs (the CLI subcommands use the same one).
    pub fn binary(&self) -> &Path {
        &self.binary
    }

    /// The JWT secret the service was started with.
    pub fn jwt_secret(&self) -> &str {
        &self.options.jwt_secret
    }

    /// A valid HS256 token for `user_id`.
    pub fn token_for(&self, user_id: &str) -> String {
        crate::jwt::token_for(&self.options.jwt_secret, user_id)
    }

    /// Adds the latest output lines of the process to an error, so a failing test shows what the service said.
    pub fn with_logs<T>(&self, result: anyhow::Result<T>) -> anyhow::Result<T> {
        result.with_context(|| self.recent_logs())
    }

    /// The latest output lines of the process, for failure messages.
    pub fn recent_logs(&self) -> String {
        let logs = self
            .logs
            .lock()
            .map(|lines| lines.iter().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        format!("--- last loyalty-local output ---\n{}", logs.join("\n"))
    }

    /// Kills the process with SIGKILL (a crash) and hands back its data directory.
    pub async fn kill_hard(mut self) -> anyhow::Result<TempDir> {
        self.child.start_kill()?;
        self.child.wait().await?;
        self.take_data_dir()
    }

    /// Sends SIGTERM and waits for the exit: the status and the data directory.
    pub async fn terminate(mut self) -> anyhow::Result<(ExitStatus, TempDir)> {
        let pid = self
            .child
            .id()
            .context("the process has already been reaped")?;
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM {pid} failed: {status}");
        let exit = tokio::time::timeout(SHUTDOWN_TIMEOUT, self.child.wait())
            .await
            .with_context(|| {
                format!(
                    "no exit within {SHUTDOWN_TIMEOUT:?} of SIGTERM\n{}",
                    self.recent_logs()
                )
            })??;
        Ok((exit, self.take_data_dir()?))
    }

    /// Starts the same binary again on the same data directory (after [`Self::kill_hard`] or [`Self::terminate`]).
    pub async fn restart(options: ServiceOptions, data_dir: TempDir) -> anyhow::Result<Self> {
        Self::start_with(options, data_dir).await
    }

    /// The options this service was started with.
    pub fn options(&self) -> &ServiceOptions {
        &self.options
    }

    fn take_data_dir(&mut self) -> anyhow::Result<TempDir> {
        self.data_dir
            .take()
            .context("the data directory was already handed back")
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        // kill_on_drop also does this; being explicit keeps the guard obvious. An exited child makes it a no-op.
        let _ = self.child.start_kill();
    }
}

async fn collect_lines(
    stream: impl AsyncRead + Unpin,
    logs: Arc<Mutex<VecDeque<String>>>,
    announced: Arc<watch::Sender<Option<SocketAddr>>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = strip_ansi(&line);
        if let Some(addr) = listening_addr(&line) {
            announced.send_replace(Some(addr));
        }
        if let Ok(mut kept) = logs.lock() {
            if kept.len() == KEPT_LOG_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    }
}

/// Parses `... listening on http://127.0.0.1:PORT ...`.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let start = line.find(LISTENING_MARKER)? + LISTENING_MARKER.len();
    let rest = &line[start..];
    let end = rest
        .find(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '.' || c == ':' || c == '[' || c == ']')
        })
        .unwrap_or(rest.len());
    rest[..end].trim_end_matches(['.', ':']).parse().ok()
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_loopback_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_address() {
        let line = "2026-11-24T21:00:00Z  INFO loyalty_local: listening on http://127.0.0.1:40123 (API + PutEvents)";
        assert_eq!(
            listening_addr(line),
            Some(SocketAddr::from(([127, 0, 0, 1], 40123)))
        );
        assert_eq!(
            listening_addr("listening on http://127.0.0.1:8080."),
            Some(SocketAddr::from(([127, 0, 0, 1], 8080)))
        );
        assert_eq!(listening_addr("starting"), None);
    }

    #[test]
    fn colour_codes_are_removed_from_output_lines() {
        assert_eq!(
            strip_ansi("\u{1b}[32m INFO\u{1b}[0m listening"),
            " INFO listening"
        );
    }
}
