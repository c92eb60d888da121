//! The bounded listener against real sockets on 127.0.0.1: idle, trickling and busy clients beyond the cap, the
//! timeouts, and a clean stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use local_guard::http::{Limits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(limits: Limits, release: Arc<Notify>) -> Self {
        let router = Router::new()
            .route(
                "/",
                get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    format!("hello {}", peer.ip())
                }),
            )
            .route(
                "/slow",
                get(move || {
                    let release = Arc::clone(&release);
                    async move {
                        release.notified().await;
                        "released"
                    }
                }),
            )
            .route(
                "/echo",
                post(|body: Bytes| async move { format!("{} bytes", body.len()) }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let served = tokio::spawn(serve(listener, router, limits, stop.clone()));
        Self { addr, stop, served }
    }

    async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.served)
            .await
            .expect("the server did not stop")
            .unwrap()
            .unwrap();
    }
}

fn limits(max_connections: usize) -> Limits {
    Limits {
        max_connections,
        header_read_timeout: Duration::from_millis(400),
        body_read_timeout: Duration::from_millis(400),
        idle_timeout: Duration::from_millis(600),
        queue_timeout: Duration::from_millis(200),
    }
}

/// One request on a fresh connection; the whole answer as text.
async fn request(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// Whether the server has closed `stream`: a read returns end of file (or a reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0_u8; 512];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // Bytes of an answer: keep reading until the close.
            Ok(Ok(_)) => {}
        }
    }
}

/// Sends `GET / HTTP/1.1\r\nHost: ...` one byte every 50 ms, never finishing the head.
fn trickle(mut stream: TcpStream) -> tokio::task::JoinHandle<TcpStream> {
    tokio::spawn(async move {
        for byte in b"GET / HTTP/1.1\r\nHost: trickle\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stream
    })
}

#[tokio::test]
async fn a_client_is_answered_within_a_second_while_idle_and_trickling_connections_exceed_the_cap()
{
    let cap = 8;
    let server = Server::start(
        Limits {
            // Long timeouts: only the cap can make room here.
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            ..limits(cap)
        },
        Arc::new(Notify::new()),
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..3 * cap {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let mut trickling = Vec::new();
    for _ in 0..2 * cap {
        trickling.push(trickle(TcpStream::connect(server.addr).await.unwrap()));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(1), request(server.addr, "/"))
        .await
        .expect("no answer within a second");
    let elapsed = started.elapsed();

    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("hello 127.0.0.1"), "{answer}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    // The idle connections were the longest waiting: they made room and are closed.
    let mut still_open = 0;
    for stream in &mut idle {
        if !closed_within(stream, Duration::from_millis(50)).await {
            still_open += 1;
        }
    }
    assert!(
        still_open <= cap,
        "{still_open} idle connections stayed open"
    );
    for task in trickling {
        task.abort();
    }
    server.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let server = Server::start(limits(16), Arc::new(Notify::new())).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0_u8; 512];
    let read = stream.read(&mut buffer).await.unwrap();
    let answered = Instant::now();

    // Still open just before the idle timeout (600 ms), closed soon after it.
    let early = closed_within(&mut stream, Duration::from_millis(300)).await;
    let late = closed_within(&mut stream, Duration::from_millis(800)).await;
    let elapsed = answered.elapsed();

    assert!(
        String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200 OK"),
        "not answered"
    );
    assert!(!early, "closed before the idle timeout");
    assert!(late, "still open {elapsed:?} after its answer");
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    server.stop().await;
}

#[tokio::test]
async fn silent_and_trickling_connections_are_closed_after_the_header_read_timeout() {
    let server = Server::start(limits(16), Arc::new(Notify::new())).await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let trickling = trickle(TcpStream::connect(server.addr).await.unwrap());

    let silent_closed = closed_within(&mut silent, Duration::from_secs(2)).await;
    let silent_after = started.elapsed();
    let mut trickled = tokio::time::timeout(Duration::from_secs(2), trickling)
        .await
        .expect("the trickling connection is still accepted after 2 s")
        .unwrap();
    let trickle_after = started.elapsed();

    assert!(silent_closed, "the silent connection stayed open");
    assert!(
        silent_after >= Duration::from_millis(400) && silent_after < Duration::from_millis(1500),
        "{silent_after:?}"
    );
    assert!(
        trickle_after < Duration::from_millis(1500),
        "{trickle_after:?}"
    );
    assert!(closed_within(&mut trickled, Duration::from_millis(100)).await);
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_past_the_body_read_timeout_is_not_waited_for() {
    let server = Server::start(limits(16), Arc::new(Notify::new())).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    let started = Instant::now();

    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read_to_string(&mut answer))
        .await
        .expect("the server waited for the body");
    let elapsed = started.elapsed();

    assert!(read.is_ok() || !answer.is_empty());
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(elapsed >= Duration::from_millis(350), "{elapsed:?}");
    server.stop().await;
}

#[tokio::test]
async fn beyond_the_cap_with_every_connection_busy_the_newcomer_gets_503_and_the_busy_ones_finish()
{
    let release = Arc::new(Notify::new());
    let server = Server::start(
        Limits {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            ..limits(2)
        },
        Arc::clone(&release),
    )
    .await;
    let addr = server.addr;
    let busy: Vec<_> = (0..2)
        .map(|_| tokio::spawn(async move { request(addr, "/slow").await }))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let refused = request(addr, "/").await;
    let waited = started.elapsed();
    release.notify_waiters();
    let mut answers = Vec::new();
    for task in busy {
        answers.push(task.await.unwrap());
    }

    assert!(
        refused.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{refused}"
    );
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    for answer in answers {
        assert!(answer.ends_with("released"), "{answer}");
    }
    // Places free again once the busy requests are answered.
    let after = request(addr, "/").await;
    assert!(after.starts_with("HTTP/1.1 200 OK"), "{after}");
    server.stop().await;
}

#[tokio::test]
async fn stopping_closes_idle_connections_and_finishes_the_request_in_flight() {
    let release = Arc::new(Notify::new());
    let server = Server::start(
        Limits {
            idle_timeout: Duration::from_secs(30),
            ..limits(16)
        },
        Arc::clone(&release),
    )
    .await;
    let addr = server.addr;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0_u8; 512];
    let _ = idle.read(&mut buffer).await.unwrap();
    let in_flight = tokio::spawn(async move { request(addr, "/slow").await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.stop.cancel();
    let idle_closed = closed_within(&mut idle, Duration::from_millis(300)).await;
    let refused = TcpStream::connect(addr).await;
    release.notify_waiters();
    let answer = in_flight.await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), server.served)
        .await
        .expect("the server did not stop")
        .unwrap()
        .unwrap();

    assert!(idle_closed, "the idle connection stayed open after stop");
    assert!(refused.is_err(), "a connection was accepted after stop");
    assert!(answer.ends_with("released"), "{answer}");
}

#[tokio::test]
async fn unusable_limits_are_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve(
        listener,
        Router::new(),
        Limits {
            max_connections: 0,
            ..Limits::default()
        },
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("at least 1"), "{error}");
}
