//! The load generator's HTTP/1.1 client: one keep-alive TCP connection, requests written and responses read inline
//! in the calling task.
//!
//! The server and the generator share 2 cores, so every microsecond the generator spends is taken from the server.
//! This client spends about 11 us of CPU per `GET /loyalty`, `reqwest` about 20 us (measured with this benchmark,
//! see the README), which costs about a quarter of the measured `GET` throughput. It supports what the service
//! answers with: `Content-Length` and `chunked` bodies.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// How long a single request may take before the client gives up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A request to send: method, path, extra headers and an optional body.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, `OPTIONS`, ...
    pub method: String,
    /// Path and query, e.g. `/loyalty`.
    pub path: String,
    /// Headers besides `Host` and `Content-Length`, which the client writes itself.
    pub headers: Vec<(String, String)>,
    /// The body; `None` sends no body and no `Content-Length`.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn encode(&self, host: &str) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\nHost: {host}\r\n", self.method, self.path);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = &self.body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if let Some(body) = &self.body {
            bytes.extend_from_slice(body);
        }
        bytes
    }
}

/// A response: status, headers in arrival order (names lower-cased) and the whole body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("body is not JSON: {:?}", self.text()))
    }
}

/// One keep-alive connection to the server.
pub struct HttpConnection {
    host: String,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl HttpConnection {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (read, writer) = stream.into_split();
        Ok(Self {
            host: addr.to_string(),
            reader: BufReader::new(read),
            writer,
        })
    }

    /// Sends one request and reads its whole response.
    pub async fn send(&mut self, request: &HttpRequest) -> anyhow::Result<HttpResponse> {
        tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(request))
            .await
            .with_context(|| {
                format!(
                    "{} {} got no answer in {REQUEST_TIMEOUT:?}",
                    request.method, request.path
                )
            })?
    }

    async fn exchange(&mut self, request: &HttpRequest) -> anyhow::Result<HttpResponse> {
        self.writer.write_all(&request.encode(&self.host)).await?;
        self.read_response(request.method == "HEAD").await
    }

    async fn read_response(&mut self, head_only: bool) -> anyhow::Result<HttpResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).await? == 0 {
            bail!("connection closed before a response");
        }
        let status = parse_status_line(&line)?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                bail!("connection closed inside the response headers");
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed
                .split_once(':')
                .with_context(|| format!("bad header line {trimmed:?}"))?;
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut response = HttpResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(response);
        }
        response.body = if response
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            self.read_chunked().await?
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length
                .parse()
                .with_context(|| format!("bad content-length {length:?}"))?;
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body).await?;
            body
        } else {
            let mut body = Vec::new();
            self.reader.read_to_end(&mut body).await?;
            body
        };
        Ok(response)
    }

    async fn read_chunked(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).await?;
            let size_text = line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size_text, 16)
                .with_context(|| format!("bad chunk size {line:?}"))?;
            if size == 0 {
                // Trailers, then the empty line that ends the message.
                loop {
                    line.clear();
                    if self.reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.reader.read_exact(&mut body[start..]).await?;
            line.clear();
            self.reader.read_line(&mut line).await?;
        }
    }
}

fn parse_status_line(line: &str) -> anyhow::Result<u16> {
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    anyhow::ensure!(
        version.starts_with("HTTP/1."),
        "not an HTTP/1 status line: {line:?}"
    );
    let code = parts
        .next()
        .with_context(|| format!("no status code in {line:?}"))?;
    code.parse()
        .with_context(|| format!("bad status code in {line:?}"))
}
