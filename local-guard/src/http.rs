//! An HTTP/1.1 listener with connection limits, for servers a hostile or careless client can reach.
//!
//! [`serve`] answers an axum [`Router`] like `axum::serve`, with four limits `axum::serve` does not have:
//!
//! - **header-read timeout**: a request's head (request line and headers) must arrive within
//!   [`Limits::header_read_timeout`] of the connection's first byte (for the first request, of its accept);
//! - **body-read timeout**: a request's body must arrive within [`Limits::body_read_timeout`] of its head; a body that
//!   trickles longer fails to read (the handler answers as for any body-read error);
//! - **idle timeout**: a keep-alive connection with no request in progress is closed after
//!   [`Limits::idle_timeout`];
//! - **connection cap**: at most [`Limits::max_connections`] connections are open. A connection beyond the cap
//!   takes the place of the one that has waited longest without a request in progress (idle, or still sending its
//!   head), which is closed; when every connection has a request in progress, the new one waits up to
//!   [`Limits::queue_timeout`] for a place and is then answered `503 Service Unavailable` and closed. The accept
//!   loop itself never stops on a full table, and a failed accept (e.g. out of file descriptors) closes the
//!   longest-waiting connection instead of spinning.
//!
//! A connection is *busy* from the moment its request head has arrived until its response has been written; only
//! busy connections are safe from the timeouts and from being replaced. Body size limits stay with the router
//! (axum's `DefaultBodyLimit`), which answers `413` itself.
//!
//! Stopping ([`serve`]'s `stop` token) stops accepting at once, closes the connections that are not busy, lets each
//! busy one finish its response, and resolves when every connection is closed.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// The limits of one listener. [`Limits::default`] suits a service on a laptop or a small host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once (default 512: below the common 1,024 file-descriptor limit, with room for the
    /// process's own files). Raise it together with `ulimit -n`.
    pub max_connections: usize,
    /// How long a request's head may take to arrive (default 10 s).
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive after its head (default 30 s).
    pub body_read_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request (default 60 s).
    pub idle_timeout: Duration,
    /// How long a connection beyond the cap waits for a place when every connection is busy (default 1 s).
    pub queue_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            queue_timeout: Duration::from_secs(1),
        }
    }
}

impl Limits {
    /// Checks that every limit is usable: a cap of at least one connection and non-zero timeouts.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_connections == 0 {
            return Err("the connection cap must be at least 1".to_owned());
        }
        for (name, value) in [
            ("header-read timeout", self.header_read_timeout),
            ("body-read timeout", self.body_read_timeout),
            ("idle timeout", self.idle_timeout),
        ] {
            if value.is_zero() {
                return Err(format!("the {name} must be longer than zero"));
            }
        }
        Ok(())
    }

    /// How often each connection checks its deadlines: a quarter of the shortest timeout, between 10 ms and 1 s.
    fn tick(&self) -> Duration {
        (self.header_read_timeout.min(self.idle_timeout) / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// "No time recorded" in an [`AtomicU64`] of milliseconds.
const NONE: u64 = u64::MAX;

/// The answer to a connection beyond the cap when no place frees up.
const BUSY_ANSWER: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n\
Content-Type: text/plain\r\nContent-Length: 30\r\n\r\ntoo many connections, retry...";

/// What the accept loop and each connection share.
struct Shared {
    limits: Limits,
    started: Instant,
    connections: Mutex<HashMap<u64, Arc<Connection>>>,
    /// Notified whenever a connection closes.
    place_freed: Notify,
    next_id: AtomicU64,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn table(&self) -> MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        // A panic while holding the lock cannot leave the map half-updated (every update is one call).
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Closes the connection that has waited longest without a request in progress; false when all are busy.
    fn evict_longest_waiting(&self) -> bool {
        let mut table = self.table();
        let victim = table
            .values()
            .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|c| c.waiting_since_ms.load(Ordering::Acquire))
            .map(|c| c.id);
        match victim.and_then(|id| table.remove(&id)) {
            Some(connection) => {
                tracing::debug!(
                    connection = connection.id,
                    "closing the longest-waiting connection to make room"
                );
                connection.evicted.notify_one();
                true
            }
            None => false,
        }
    }
}

/// One open connection's state.
struct Connection {
    id: u64,
    /// Requests whose head has arrived and whose response is not written yet.
    in_flight: AtomicUsize,
    /// When the connection last started waiting for a request (accept, or the end of its last response).
    waiting_since_ms: AtomicU64,
    /// When the first byte of the next request arrived ([`NONE`]: none yet). At accept: the accept time.
    head_started_ms: AtomicU64,
    evicted: Notify,
}

impl Connection {
    /// Whether a deadline has passed: only a connection with no request in progress can expire.
    fn expired(&self, now_ms: u64, limits: &Limits) -> Option<&'static str> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let head_started = self.head_started_ms.load(Ordering::Acquire);
        if head_started != NONE {
            let waited = Duration::from_millis(now_ms.saturating_sub(head_started));
            return (waited >= limits.header_read_timeout).then_some("header-read timeout");
        }
        let idle = Duration::from_millis(
            now_ms.saturating_sub(self.waiting_since_ms.load(Ordering::Acquire)),
        );
        (idle >= limits.idle_timeout).then_some("idle timeout")
    }
}

/// Serves `router` on `listener` within `limits` until `stop` is cancelled; resolves once every connection is
/// closed. Handlers can read the peer's address with `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
) -> std::io::Result<()> {
    limits
        .validate()
        .map_err(|m| std::io::Error::new(std::io::ErrorKind::InvalidInput, m))?;
    let shared = Arc::new(Shared {
        limits,
        started: Instant::now(),
        connections: Mutex::new(HashMap::new()),
        place_freed: Notify::new(),
        next_id: AtomicU64::new(0),
    });
    let tasks = TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                if !make_room(&shared, &stop).await {
                    tasks.spawn(refuse(stream));
                    continue;
                }
                let connection = register(&shared);
                tasks.spawn(serve_connection(
                    Arc::clone(&shared),
                    connection,
                    stream,
                    peer,
                    router.clone(),
                    stop.clone(),
                ));
            }
            Err(error) if is_per_connection(&error) => {}
            Err(error) => {
                // Out of file descriptors (or another resource): free one instead of failing every accept.
                tracing::warn!(%error, "cannot accept a connection");
                shared.evict_longest_waiting();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    drop(listener);
    tasks.close();
    tasks.wait().await;
    Ok(())
}

/// Errors about one connection that the peer already gave up; the next accept is unaffected.
fn is_per_connection(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionRefused
    )
}

/// Makes a place for one more connection: true at once below the cap; otherwise by closing the longest-waiting
/// connection, or after one closes within the queue timeout; false when none did.
async fn make_room(shared: &Shared, stop: &CancellationToken) -> bool {
    let deadline = tokio::time::Instant::now() + shared.limits.queue_timeout;
    loop {
        // Registered before the check, so a place freed between the check and the wait is not missed.
        let freed = shared.place_freed.notified();
        tokio::pin!(freed);
        freed.as_mut().enable();
        if shared.table().len() < shared.limits.max_connections || shared.evict_longest_waiting() {
            return true;
        }
        tokio::select! {
            () = freed => {}
            () = tokio::time::sleep_until(deadline) => return false,
            () = stop.cancelled() => return false,
        }
    }
}

fn register(shared: &Shared) -> Arc<Connection> {
    let now = shared.now_ms();
    let connection = Arc::new(Connection {
        id: shared.next_id.fetch_add(1, Ordering::Relaxed),
        in_flight: AtomicUsize::new(0),
        waiting_since_ms: AtomicU64::new(now),
        head_started_ms: AtomicU64::new(now),
        evicted: Notify::new(),
    });
    shared
        .table()
        .insert(connection.id, Arc::clone(&connection));
    connection
}

/// Answers 503 to a connection beyond the cap and closes it.
async fn refuse(mut stream: TcpStream) {
    tracing::warn!("connection refused: every connection is busy");
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(BUSY_ANSWER).await?;
        stream.shutdown().await
    })
    .await;
}

/// Removes the connection from the table when its task ends, however it ends.
struct Registration {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared.table().remove(&self.id);
        self.shared.place_freed.notify_waiters();
    }
}

async fn serve_connection(
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    stop: CancellationToken,
) {
    let _registration = Registration {
        shared: Arc::clone(&shared),
        id: connection.id,
    };
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Tracked {
        stream,
        connection: Arc::clone(&connection),
        shared: Arc::clone(&shared),
    });
    let service = GuardedService {
        router,
        connection: Arc::clone(&connection),
        shared: Arc::clone(&shared),
        peer,
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The deadlines are this module's own (hyper's header timer would also close idle keep-alive connections).
    builder.timer(TokioTimer::new()).header_read_timeout(None);
    let served = builder.serve_connection(io, service);
    tokio::pin!(served);
    let mut tick = tokio::time::interval(shared.limits.tick());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(connection = connection.id, %error, "connection ended with an error");
                }
                return;
            }
            () = stop.cancelled(), if !draining => {
                draining = true;
                served.as_mut().graceful_shutdown();
            }
            () = connection.evicted.notified() => return,
            _ = tick.tick() => {
                if let Some(reason) = connection.expired(shared.now_ms(), &shared.limits) {
                    tracing::debug!(connection = connection.id, reason, "closing connection");
                    return;
                }
            }
        }
    }
}

/// The socket, noting when the first byte of a request head arrives.
struct Tracked {
    stream: TcpStream,
    connection: Arc<Connection>,
    shared: Arc<Shared>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before
            && self.connection.in_flight.load(Ordering::Acquire) == 0
            && self.connection.head_started_ms.load(Ordering::Acquire) == NONE
        {
            let now = self.shared.now_ms();
            self.connection
                .head_started_ms
                .store(now, Ordering::Release);
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Marks its connection busy from a request's head until its response body is written (or dropped).
struct InFlight {
    connection: Arc<Connection>,
    shared: Arc<Shared>,
}

impl InFlight {
    fn start(connection: &Arc<Connection>, shared: &Arc<Shared>) -> Self {
        connection.in_flight.fetch_add(1, Ordering::AcqRel);
        connection.head_started_ms.store(NONE, Ordering::Release);
        Self {
            connection: Arc::clone(connection),
            shared: Arc::clone(shared),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.shared.now_ms();
        self.connection
            .waiting_since_ms
            .store(now, Ordering::Release);
        self.connection.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The router behind hyper: each request gets a body-read deadline, its peer address, and keeps its connection busy
/// until its response is written.
#[derive(Clone)]
struct GuardedService {
    router: Router,
    connection: Arc<Connection>,
    shared: Arc<Shared>,
    peer: SocketAddr,
}

impl hyper::service::Service<Request<Incoming>> for GuardedService {
    type Response = Response<Guarded>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(&self.connection, &self.shared);
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(ConnectInfo(self.peer));
        let request = Request::from_parts(
            parts,
            Body::new(TimedBody {
                inner: body,
                deadline: tokio::time::Instant::now() + self.shared.limits.body_read_timeout,
                timer: None,
                ended: false,
            }),
        );
        let router = self.router.clone();
        Box::pin(async move {
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok(response.map(|body| Guarded {
                inner: body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A request body that fails once its deadline passes before its end. The timer is armed only when the body is
/// first waited for, so a request whose body is never read (or arrives with its head) costs no timer.
struct TimedBody {
    inner: Incoming,
    deadline: tokio::time::Instant,
    timer: Option<Pin<Box<Sleep>>>,
    ended: bool,
}

/// The error of a request body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the body-read timeout")]
pub struct BodyReadTimeout;

impl http_body::Body for TimedBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => Poll::Ready(Some(frame.map_err(Into::into))),
            Poll::Pending => {
                let deadline = self.deadline;
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        self.ended = true;
                        Poll::Ready(Some(Err(Box::new(BodyReadTimeout))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that keeps its connection busy until it is written.
struct Guarded {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Guarded {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The command-line options that set [`Limits`], for a server binary to flatten into its own options.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Connections open at once; beyond it, a new connection replaces the longest-waiting one without a request in
    /// progress. Keep it below the file-descriptor limit (`ulimit -n`).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections, value_parser = at_least_one)]
    pub max_connections: usize,
    /// Seconds a request's head (request line and headers) may take to arrive.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().header_read_timeout.as_secs_f64(), value_parser = positive_seconds)]
    pub header_read_timeout: f64,
    /// Seconds a request's body may take to arrive after its head.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().body_read_timeout.as_secs_f64(), value_parser = positive_seconds)]
    pub body_read_timeout: f64,
    /// Seconds a keep-alive connection may wait for its next request.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().idle_timeout.as_secs_f64(), value_parser = positive_seconds)]
    pub idle_timeout: f64,
}

impl LimitArgs {
    /// The limits these options set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections,
            header_read_timeout: Duration::from_secs_f64(self.header_read_timeout),
            body_read_timeout: Duration::from_secs_f64(self.body_read_timeout),
            idle_timeout: Duration::from_secs_f64(self.idle_timeout),
            ..Limits::default()
        }
    }
}

/// A count of at least one.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(count) => Ok(count),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// A number of seconds from 1 ms to one day.
fn positive_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.001..=86_400.0).contains(&seconds) {
        return Err(format!(
            "{text} is out of range: give from 0.001 to 86400 seconds"
        ));
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Options {
        #[command(flatten)]
        limits: LimitArgs,
    }

    #[test]
    fn the_options_default_to_the_default_limits_and_refuse_nonsense() {
        let defaults = Options::try_parse_from(["server"]).unwrap();
        let set =
            Options::try_parse_from(["server", "--max-connections", "7", "--idle-timeout", "0.5"])
                .unwrap();
        let zero = Options::try_parse_from(["server", "--header-read-timeout", "0"]);
        let word = Options::try_parse_from(["server", "--idle-timeout", "soon"]);
        let no_cap = Options::try_parse_from(["server", "--max-connections", "0"]);

        assert_eq!(defaults.limits.limits(), Limits::default());
        assert_eq!(set.limits.limits().max_connections, 7);
        assert_eq!(set.limits.limits().idle_timeout, Duration::from_millis(500));
        assert!(zero.unwrap_err().to_string().contains("out of range"));
        assert!(word.unwrap_err().to_string().contains("not a number"));
        assert!(no_cap.unwrap_err().to_string().contains("at least 1"));
    }
}
