//! `loyalty-local serve`'s listener limits, on the real binary: a client is answered while more idle connections
//! are open than the process has file descriptors, and idle connections are closed after the idle timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/process.rs"]
mod process;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use process::Process;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A running `loyalty-local serve` with a file-descriptor limit of `fd_limit`; dropping it kills and reaps it.
struct Serve {
    _process: Process,
    address: String,
    _data_dir: tempfile::TempDir,
}

impl Serve {
    fn start(fd_limit: u32, limit_args: &[&str]) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let process = Process::spawn(
            Command::new("bash")
                .arg("-c")
                .arg(format!("ulimit -n {fd_limit} && exec \"$0\" \"$@\""))
                .arg(env!("CARGO_BIN_EXE_loyalty-local"))
                .args(["serve", "--listen", "127.0.0.1:0", "--jwt-secret", "s"])
                .arg("--data-dir")
                .arg(data_dir.path())
                .args(limit_args)
                .env_remove("ENV")
                .env_remove("PRODUCT_SERVICE_ENDPOINT_PARAM")
                .env_remove("PRODUCT_SEARCH_ENDPOINT_PARAM")
                .env_remove("ORDER_SERVICE_ENDPOINT_PARAM")
                .stderr(Stdio::inherit()),
        );
        let address = process
            .listening_address(Duration::from_secs(20))
            .expect("serve did not print its address within 20 s");
        Self {
            _process: process,
            address,
            _data_dir: data_dir,
        }
    }

    /// `GET /loyalty` without a token on a fresh connection: the status line.
    async fn status_line(&self) -> String {
        let mut stream = TcpStream::connect(&self.address).await.unwrap();
        stream
            .write_all(b"GET /loyalty HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_owned()
    }
}

#[tokio::test]
async fn a_client_is_answered_within_a_second_while_idle_connections_outnumber_the_file_descriptors()
 {
    // 256 descriptors: without a cap below that, the idle connections exhaust them and accept fails
    // ("Too many open files") until they close.
    let serve = Serve::start(
        256,
        &[
            "--max-connections",
            "64",
            "--header-read-timeout",
            "60",
            "--idle-timeout",
            "60",
        ],
    );
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(TcpStream::connect(&serve.address).await.unwrap());
    }
    // Half of them start a request head and never finish it.
    for stream in idle.iter_mut().step_by(2) {
        stream
            .write_all(b"GET /loyalty HTTP/1.1\r\nHo")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(1), serve.status_line())
        .await
        .expect("no answer within a second");

    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let serve = Serve::start(
        1024,
        &["--idle-timeout", "0.5", "--header-read-timeout", "0.5"],
    );
    let mut stream = TcpStream::connect(&serve.address).await.unwrap();
    stream
        .write_all(b"GET /loyalty HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = vec![0_u8; 4096];
    let read = stream.read(&mut buffer).await.unwrap();
    let answered = Instant::now();

    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    let after = answered.elapsed();

    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 401"));
    assert!(closed.is_ok(), "the idle connection stayed open");
    assert!(
        after >= Duration::from_millis(450),
        "closed after {after:?}"
    );
}
