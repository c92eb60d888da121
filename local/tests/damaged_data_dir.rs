//! `loyalty-local serve` on a damaged data directory, through the real binary: a damaged `loyalty.sqlite3` makes it
//! exit 1 naming the file; `--accept-data-loss` moves the file aside and starts empty; SIGTERM then stops it
//! cleanly, leaving no write-ahead log behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/process.rs"]
mod process;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use process::Process;

/// The bytes of the damaged database: sixteen pages whose header is gone.
static DAMAGED: [u8; 16 * 4096] = [0x42; 16 * 4096];

fn serve(data_dir: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loyalty-local"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--jwt-secret", "s"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        // The tier workflow stays off.
        .env_remove("ENV")
        .env_remove("PRODUCT_SERVICE_ENDPOINT_PARAM")
        .env_remove("PRODUCT_SEARCH_ENDPOINT_PARAM")
        .env_remove("ORDER_SERVICE_ENDPOINT_PARAM");
    command
}

fn wait_for_exit(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what} within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The line starting with `prefix` that `serve` prints within 30 s; with its stderr when it does not.
fn wait_for_line(serve: &Process, prefix: &str, stderr: &dyn Fn() -> String) -> String {
    serve
        .line_starting(prefix, Duration::from_secs(30))
        .unwrap_or_else(|| {
            panic!(
                "serve did not print `{prefix}...` within 30 s; stderr:\n{}",
                stderr()
            )
        })
}

#[test]
fn a_damaged_database_stops_serve_with_status_1_and_the_recovery_flag_moves_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let database = data_dir.join("loyalty.sqlite3");
    std::fs::write(&database, &DAMAGED[..]).unwrap();

    // Refused.
    let mut refused = Process::spawn(serve(&data_dir, &[]).stderr(Stdio::piped()));
    let status = wait_for_exit(refused.child(), "serve on a damaged database exits");
    let mut stderr = String::new();
    refused
        .child()
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains(&database.display().to_string()), "{stderr}");
    assert!(stderr.contains("not a SQLite database"), "{stderr}");
    assert!(stderr.contains("--accept-data-loss"), "{stderr}");
    assert_eq!(std::fs::read(&database).unwrap(), DAMAGED);

    // Started with the recovery flag.
    let stderr_file = tempfile::NamedTempFile::new().unwrap();
    let mut child = Process::spawn(
        serve(&data_dir, &["--accept-data-loss"]).stderr(stderr_file.reopen().unwrap()),
    );
    let stderr = || std::fs::read_to_string(stderr_file.path()).unwrap();
    let address = wait_for_line(&child, "listening on http://", &stderr)
        .trim_start_matches("listening on http://")
        .to_owned();
    let moved: Vec<String> = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("loyalty.sqlite3.damaged-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(std::fs::read(data_dir.join(&moved[0])).unwrap(), DAMAGED);
    assert!(
        stderr().contains(&moved[0]) && stderr().contains("empty store"),
        "{}",
        stderr()
    );
    // It answers (an account read without a token: 401), so its signal handler is in place.
    let mut connection = std::net::TcpStream::connect(&address).unwrap();
    connection
        .write_all(b"GET /loyalty HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    connection.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");

    // SIGTERM: a clean stop, the data in the database file and no log left.
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    wait_for_line(&child, "stopped cleanly", &stderr);
    let status = wait_for_exit(child.child(), "serve stops after SIGTERM");
    assert!(status.success(), "{status}; stderr:\n{}", stderr());
    let wal = data_dir.join("loyalty.sqlite3-wal");
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
    assert!(std::fs::metadata(&database).unwrap().len() >= 4096);
}
