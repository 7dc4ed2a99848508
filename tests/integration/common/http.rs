//! The HTTP test harness shared by `server_http.rs` and `server_faults.rs`: a fixture server
//! reachable over loopback TCP or in-memory pipes, a hyper client that keeps whatever body
//! bytes arrived (and the error that ended the body, if any), and a raw reader for exact
//! wire bytes.
//!
//! Included with `#[path]` only by the test files that drive the server over HTTP, so test
//! crates that never touch HTTP do not compile it; not every file uses every helper.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Version};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;

use bgsim::server::{ConnKey, FixtureServer, MemoryServer, TcpServer};

/// How a [`Harness`] reaches its server.
pub enum Transport {
    Tcp(TcpServer),
    Memory(MemoryServer),
}

/// One fixture server reachable over one transport.
pub struct Harness {
    pub server: FixtureServer,
    pub transport: Transport,
    /// Whether [`Client::send`] panics when a body ends with an error: on for tests of
    /// correct behaviour, off for fault tests that look at the error.
    pub whole_bodies: bool,
}

/// Anything a raw test can write requests to and read responses from.
pub trait RawIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> RawIo for T {}

impl Harness {
    pub fn name(&self) -> &'static str {
        match self.transport {
            Transport::Tcp(_) => "tcp",
            Transport::Memory(_) => "memory",
        }
    }

    /// A connection without an HTTP client on it, to look at the exact bytes.
    pub async fn connect_raw(&self) -> Box<dyn RawIo> {
        match &self.transport {
            Transport::Tcp(tcp) => Box::new(
                tokio::net::TcpStream::connect(tcp.local_addr())
                    .await
                    .expect("connect"),
            ),
            Transport::Memory(mem) => Box::new(mem.connect()),
        }
    }

    /// A hyper client on a fresh connection.
    pub async fn connect(&self) -> Client {
        Client::handshake(self.connect_raw().await, self.whole_bodies).await
    }

    /// A hyper client on a fresh connection, with the key the server knows that connection
    /// by: the client's local port on TCP, the pipe number in memory.
    pub async fn connect_keyed(&self) -> (Client, ConnKey) {
        match &self.transport {
            Transport::Tcp(tcp) => {
                let stream = tokio::net::TcpStream::connect(tcp.local_addr())
                    .await
                    .expect("connect");
                let key = ConnKey::of_tcp_client(&stream).expect("a local address");
                (Client::handshake(stream, self.whole_bodies).await, key)
            }
            Transport::Memory(mem) => {
                let (conn, key) = mem.connect_keyed();
                (Client::handshake(conn, self.whole_bodies).await, key)
            }
        }
    }

    /// Sends `request` on a fresh raw connection and reads until the server closes it.
    /// Returns the response head (up to the blank line) and every byte after it.
    pub async fn raw(&self, request: &str) -> (String, Vec<u8>) {
        let mut io = self.connect_raw().await;
        io.write_all(request.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        io.read_to_end(&mut got).await.expect("clean close");
        split_head(&got)
    }

    /// Like [`Harness::raw`], but the connection may end with an error: returns the head,
    /// the bytes after it, and the kind of the error that ended the reading, if any.
    pub async fn raw_until_error(
        &self,
        request: &str,
        late: bool,
    ) -> (String, Vec<u8>, Option<std::io::ErrorKind>) {
        let mut io = self.connect_raw().await;
        io.write_all(request.as_bytes()).await.unwrap();
        if late {
            for _ in 0..500 {
                tokio::task::yield_now().await;
            }
        }
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let error = loop {
            match io.read(&mut buf).await {
                Ok(0) => break None,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break Some(e.kind()),
            }
        };
        let (head, body) = split_head(&got);
        (head, body, error)
    }

    /// Like [`Harness::raw`], but lets the server run (and fill the transport's buffers)
    /// for a while before reading a single byte, so a cut happens under back-pressure.
    pub async fn raw_late_reader(&self, request: &str) -> (String, Vec<u8>) {
        let mut io = self.connect_raw().await;
        io.write_all(request.as_bytes()).await.unwrap();
        for _ in 0..500 {
            tokio::task::yield_now().await;
        }
        let mut got = Vec::new();
        io.read_to_end(&mut got).await.expect("clean close");
        split_head(&got)
    }

    /// The journal's fault description of request `request_index`.
    pub fn journal_fault(&self, request_index: u64) -> Option<String> {
        self.server.journal().fault(request_index)
    }

    /// The current ETag of the fixture at `path`.
    pub fn etag(&self, path: &str) -> String {
        self.server
            .with_fixtures(|s| s.get(path).unwrap().current().etag.clone())
    }

    /// The current Last-Modified of the fixture at `path`.
    pub fn last_modified(&self, path: &str) -> String {
        self.server
            .with_fixtures(|s| s.get(path).unwrap().current().last_modified.clone())
    }
}

/// Runs `check` against a fresh server from `make`, first over TCP, then in memory. A test
/// that hangs fails after a minute instead of blocking CI.
pub async fn on_both<M, F, Fut>(make: M, whole_bodies: bool, check: F)
where
    M: Fn() -> FixtureServer,
    F: Fn(Harness) -> Fut,
    Fut: Future<Output = ()>,
{
    let run = async {
        let server = make();
        let tcp = TcpServer::start(server.clone(), loopback())
            .await
            .expect("bind 127.0.0.1:0");
        check(Harness {
            server,
            transport: Transport::Tcp(tcp),
            whole_bodies,
        })
        .await;

        let server = make();
        let mem = MemoryServer::new(server.clone());
        check(Harness {
            server,
            transport: Transport::Memory(mem),
            whole_bodies,
        })
        .await;
    };
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("test finished within a minute");
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Splits what a raw reader got into the head (with its blank line) and the rest.
pub fn split_head(got: &[u8]) -> (String, Vec<u8>) {
    let end = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    (
        String::from_utf8(got[..end + 4].to_vec()).unwrap(),
        got[end + 4..].to_vec(),
    )
}

/// The raw head's value for `name` (lower case, as hyper writes it).
pub fn raw_header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n")
        .filter_map(|line| line.split_once(": "))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A client connection driven by a spawned hyper connection task.
pub struct Client {
    pub sender: SendRequest<Empty<Bytes>>,
    /// The connection task, to abort it (the client vanishes) or await its end.
    pub conn: JoinHandle<()>,
    whole_bodies: bool,
}

/// A response as the hyper client saw it: the body bytes that arrived, and the error that
/// ended the body early, if any.
pub struct Reply {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub error: Option<hyper::Error>,
}

impl Reply {
    pub fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts the body arrived whole (no error).
    pub fn complete(&self) -> &Self {
        assert!(
            self.error.is_none(),
            "unexpected body error {:?}",
            self.error
        );
        self
    }

    /// The kind of the I/O error under the body's error, if it has one.
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        io_error_kind(self.error.as_ref()?)
    }

    /// Asserts the body ended with an incomplete-body error after exactly `n` bytes.
    pub fn cut_after(&self, n: usize) -> &Self {
        assert_eq!(self.body.len(), n, "bytes before the cut");
        let err = self
            .error
            .as_ref()
            .expect("the body must end with an error");
        // hyper reports a body shorter than its Content-Length as an UnexpectedEof I/O error.
        assert_eq!(
            io_error_kind(err),
            Some(std::io::ErrorKind::UnexpectedEof),
            "{err:?}"
        );
        self
    }

    /// Asserts the body ended with a connection reset after exactly `n` bytes, and that
    /// hyper did not take it for a cleanly closed, incomplete message.
    pub fn reset_after(&self, n: usize) -> &Self {
        assert_eq!(self.body.len(), n, "bytes before the reset");
        let err = self
            .error
            .as_ref()
            .expect("the body must end with an error");
        assert!(!err.is_incomplete_message(), "{err:?}");
        assert_eq!(
            io_error_kind(err),
            Some(std::io::ErrorKind::ConnectionReset),
            "{err:?}"
        );
        self
    }
}

/// The kind of the I/O error at the source of a hyper error, if it is one.
pub fn io_error_kind(err: &hyper::Error) -> Option<std::io::ErrorKind> {
    std::error::Error::source(err)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
}

impl Client {
    pub async fn handshake<T>(io: T, whole_bodies: bool) -> Client
    where
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, conn) = http1::handshake(TokioIo::new(io)).await.expect("handshake");
        let conn = tokio::spawn(async move {
            let _ = conn.await;
        });
        Client {
            sender,
            conn,
            whole_bodies,
        }
    }

    /// Sends a request and returns the response with its body still to read.
    pub async fn response(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> hyper::Response<hyper::body::Incoming> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .body(Empty::<Bytes>::new())
            .unwrap();
        for (k, v) in headers {
            req.headers_mut().append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        self.sender.ready().await.expect("connection ready");
        self.sender.send_request(req).await.expect("response head")
    }

    pub async fn send(&mut self, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
        let resp = self.response(method, path, headers).await;
        let (status, version) = (resp.status(), resp.version());
        let headers = resp.headers().clone();
        let mut body = resp.into_body();
        let mut got = Vec::new();
        let mut error = None;
        // Bounded by the server: every frame carries bytes, and the body ends or fails.
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        got.extend_from_slice(&data);
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if self.whole_bodies {
            if let Some(e) = &error {
                panic!("body of {path} failed after {} bytes: {e:?}", got.len());
            }
        }
        Reply {
            status,
            version,
            headers,
            body: got,
            error,
        }
    }

    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(Method::GET, path, headers).await
    }
}

/// 100 000 bytes of a pattern that makes off-by-one errors visible.
pub fn text_bytes() -> Bytes {
    (0..100_000u32)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// Bytes `offset..offset + len` of the ChaCha8 keystream for `seed`, computed independently
/// of the server: sequentially from 0 for small offsets, by word seek for huge ones.
pub fn keystream(seed: u64, offset: u64, len: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    if offset < 16 * 1024 * 1024 {
        let mut buf = vec![0u8; offset as usize + len];
        rng.fill_bytes(&mut buf);
        buf.split_off(offset as usize)
    } else {
        assert_eq!(offset % 4, 0, "test helper seeks by whole words");
        rng.set_word_pos(u128::from(offset / 4));
        let mut buf = vec![0u8; len];
        rng.fill_bytes(&mut buf);
        buf
    }
}
