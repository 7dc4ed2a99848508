//! The local HTTP fixture server: serves versioned in-memory fixtures with correct RFC 9110
//! range and conditional-request semantics, and journals every request.
//!
//! The pieces:
//! - [`fixture`]: fixtures, their versions and deterministic validators;
//! - [`range`]: the pure response decision (status, headers, body range);
//! - [`journal`]: the per-request log tests assert on;
//! - `service`: the hyper service and streaming body;
//! - [`transport`]: loopback TCP and in-memory (duplex) transports.
//!
//! Responses carry no `Date` header, so they depend only on the fixtures and the requests.

pub mod fixture;
pub mod journal;
pub mod range;
mod service;
pub mod transport;

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

pub use fixture::{AcceptRanges, Content, Fixture, FixtureSet, FixtureVersion};
pub use journal::{Journal, JournalEntry};
pub use range::{decide, Decision};
pub use transport::{serve_until, MemoryServer, TcpServer};

use service::FixtureService;

/// The fixture server's shared state: the fixtures and the journal. Cheap to clone; clones
/// serve the same fixtures and write to the same journal.
#[derive(Clone, Debug)]
pub struct FixtureServer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    fixtures: Mutex<FixtureSet>,
    journal: Journal,
}

impl FixtureServer {
    /// A server for `fixtures`, with an empty journal.
    pub fn new(fixtures: FixtureSet) -> Self {
        FixtureServer {
            inner: Arc::new(Inner {
                fixtures: Mutex::new(fixtures),
                journal: Journal::new(),
            }),
        }
    }

    /// The request journal (a handle sharing the server's log).
    pub fn journal(&self) -> Journal {
        self.inner.journal.clone()
    }

    /// Runs `f` with exclusive access to the fixtures, e.g. to switch a fixture's version
    /// between requests. Requests arriving meanwhile wait for `f` to return, so keep it short.
    pub fn with_fixtures<R>(&self, f: impl FnOnce(&mut FixtureSet) -> R) -> R {
        // Fixture data stays consistent even if a previous holder panicked, so ignore poison.
        let mut set = self
            .inner
            .fixtures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut set)
    }

    /// Serves HTTP/1.1 on one connection until it closes. `connection_id` is recorded in the
    /// journal.
    ///
    /// Keep-alive is on and no `Date` header is sent. Errors caused by the client going away
    /// mid-response are expected in download tests and are swallowed.
    pub async fn serve_connection<I>(&self, io: I, connection_id: u64)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve_connection_until(io, connection_id, std::future::pending())
            .await;
    }

    /// Like [`FixtureServer::serve_connection`], but once `shutdown` completes the connection
    /// finishes its in-flight response and then closes.
    pub(crate) async fn serve_connection_until<I, F>(&self, io: I, connection_id: u64, shutdown: F)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        F: Future<Output = ()>,
    {
        let service = FixtureService::new(self.clone(), connection_id);
        let conn = http1::Builder::new()
            .keep_alive(true)
            .auto_date_header(false)
            .serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        tokio::pin!(shutdown);
        tokio::select! {
            // A connection error here means the peer went away or sent garbage; hyper has
            // already answered what it could, and there is nobody to report to.
            _ = conn.as_mut() => return,
            () = &mut shutdown => {}
        }
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}
