//! The local HTTP fixture server: serves versioned in-memory fixtures with correct RFC 9110
//! range and conditional-request semantics, and journals every request.
//!
//! The pieces:
//! - [`fixture`]: fixtures, their versions and deterministic validators;
//! - [`range`]: the pure response decision (status, headers, body range);
//! - [`fault`]: the deterministic fault plan (cuts, error statuses, lying 206s, new
//!   versions, redirects...), keyed by path and per-path request number;
//! - [`journal`]: the per-request log tests assert on;
//! - `limits`: what a long-running server bounds (header read time, open connections);
//! - `service`: the hyper service and streaming body;
//! - `flush`: tells a cut body when hyper has written everything it buffered;
//! - `link`: one connection's key, flush signal and reset switch, and the client's end of
//!   an in-memory connection;
//! - [`stall`]: where stalled responses are announced and released, so stalls follow the
//!   simulator's virtual clock;
//! - [`transport`]: loopback TCP and in-memory (duplex) transports.
//!
//! Responses carry no `Date` header, so they depend only on the fixtures and the requests;
//! the one exception, a Retry-After in date form, carries the fixed [`server_date`].

pub mod fault;
pub mod fixture;
mod flush;
pub mod journal;
mod limits;
mod link;
pub mod range;
mod service;
pub mod stall;
pub mod transport;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};

pub use fault::{Fault, FaultPlan, FaultRule, RetryAfter};
// Some of these only bgsim's own tests use (feature `internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use fixture::{
    server_date, AcceptRanges, Content, DiskFile, Fixture, FixtureSet, FixtureVersion,
};
pub use journal::{Journal, JournalEntry, UploadRecord, DEFAULT_SERVE_JOURNAL_CAPACITY};
pub use limits::{ServeLimits, DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS};
// Some of these only bgsim's own tests use (feature `internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use link::{ConnKey, MemoryConn};
// Some of these only bgsim's own tests use (feature `internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use range::{decide, Decision};
// Some of these only bgsim's own tests use (feature `internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use stall::{Stall, StallBoard, StallWatcher};
// Some of these only bgsim's own tests use (feature `internals`).
#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use transport::{serve_until, MemoryServer, TcpServer};

use link::{ConnControl, ConnIo, Link};
use service::FixtureService;

/// The fixture server's shared state: the fixtures, the fault plan and the journal. Cheap to
/// clone; clones serve the same fixtures, count requests together and write to the same
/// journal.
#[derive(Clone, Debug)]
pub struct FixtureServer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    faults: FaultPlan,
    journal: Journal,
}

/// What requests read and change, under one lock so that the per-path request numbers, the
/// fixture versions and the journal order all agree.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) fixtures: FixtureSet,
    /// Requests seen so far per request path (as sent).
    requests_per_path: BTreeMap<String, u64>,
    /// Where [`Fault::Stall`]s are announced.
    pub(crate) stalls: StallBoard,
}

impl State {
    /// Counts one more request to `path` and returns its 1-based number.
    pub(crate) fn count_request(&mut self, path: &str) -> u64 {
        let n = self.requests_per_path.entry(path.to_owned()).or_insert(0);
        *n += 1;
        *n
    }
}

impl FixtureServer {
    /// A server for `fixtures`, with no faults and an empty journal.
    pub fn new(fixtures: FixtureSet) -> Self {
        FixtureServer::with_faults(fixtures, FaultPlan::new())
    }

    /// A server for `fixtures` that misbehaves as `plan` says, with an empty journal. Stalls
    /// time themselves ([`StallBoard::real_time`]); see [`FixtureServer::with_stall_board`].
    pub fn with_faults(fixtures: FixtureSet, plan: FaultPlan) -> Self {
        FixtureServer::with_journal(fixtures, plan, Journal::new())
    }

    /// Like [`FixtureServer::with_faults`], journaling into `journal`, e.g. a
    /// [`Journal::bounded`] one for a server that runs for long (`bgsim serve`).
    pub fn with_journal(fixtures: FixtureSet, plan: FaultPlan, journal: Journal) -> Self {
        FixtureServer {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    fixtures,
                    requests_per_path: BTreeMap::new(),
                    stalls: StallBoard::real_time(),
                }),
                faults: plan,
                journal,
            }),
        }
    }

    /// Announces [`Fault::Stall`]s on `board` from now on, e.g. a
    /// [`StallBoard::virtual_time`] whose stalls the simulation's driver releases. Clones of
    /// this server share the board, so set it before serving.
    pub fn with_stall_board(self, board: StallBoard) -> Self {
        self.with_state(|s| s.stalls = board);
        self
    }

    /// The board [`Fault::Stall`]s are announced on.
    pub fn stall_board(&self) -> StallBoard {
        self.with_state(|s| s.stalls.clone())
    }

    /// The fault plan this server follows.
    pub fn faults(&self) -> &FaultPlan {
        &self.inner.faults
    }

    /// How many requests for `path` (as sent, without query) the server has received so far.
    /// The next one is number `requests_to(path) + 1` for [`FaultRule::request`].
    pub fn requests_to(&self, path: &str) -> u64 {
        self.with_state(|s| s.requests_per_path.get(path).copied().unwrap_or(0))
    }

    /// The request journal (a handle sharing the server's log).
    pub fn journal(&self) -> Journal {
        self.inner.journal.clone()
    }

    /// Runs `f` with exclusive access to the fixtures, e.g. to switch a fixture's version
    /// between requests. Requests arriving meanwhile wait for `f` to return, so keep it short.
    pub fn with_fixtures<R>(&self, f: impl FnOnce(&mut FixtureSet) -> R) -> R {
        self.with_state(|state| f(&mut state.fixtures))
    }

    /// Runs `f` with exclusive access to the whole mutable state.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // Fixture data stays consistent even if a previous holder panicked, so ignore poison.
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    /// Serves HTTP/1.1 on one connection until it closes. `connection_id` is recorded in the
    /// journal, and is the connection's [`ConnKey`] too.
    ///
    /// Keep-alive is on and no `Date` header is sent. Errors caused by the client going away
    /// mid-response are expected in download tests and are swallowed. This generic transport
    /// cannot be reset: a [`Fault::Reset`] closes it like a cut.
    pub async fn serve_connection<I>(&self, io: I, connection_id: u64)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let link = Link {
            io,
            connection_id,
            key: ConnKey(connection_id),
            reset: None,
            unacked: None,
            slot: None,
        };
        self.serve_link_until(link, None, std::future::pending())
            .await;
    }

    /// Serves one connection until it closes; once `shutdown` completes the connection
    /// finishes its in-flight response and then closes. With `header_read_timeout`, a
    /// request head (the first, or the next on a kept-alive connection) that has not
    /// arrived whole that long after hyper starts waiting for it closes the connection;
    /// `None` waits forever, which simulations need: their clients may idle for long.
    pub(crate) async fn serve_link_until<I, F>(
        &self,
        link: Link<I>,
        header_read_timeout: Option<Duration>,
        shutdown: F,
    )
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        F: Future<Output = ()>,
    {
        let control = Arc::new(ConnControl::new(
            self.stall_board().connection(link.key),
            link.unacked,
        ));
        let service = FixtureService::new(self.clone(), link.connection_id, control.clone());
        let mut builder = http1::Builder::new();
        builder.keep_alive(true).auto_date_header(false);
        // hyper only enforces its header read timeout when it has a timer; without one
        // (the default here) it waits for a head forever, as simulations need.
        if let Some(timeout) = header_read_timeout {
            builder.timer(TokioTimer::new()).header_read_timeout(timeout);
        } else {
            builder.header_read_timeout(None);
        }
        let conn = builder.serve_connection(
            TokioIo::new(ConnIo::new(link.io, control, link.reset, link.slot)),
            service,
        );
        tokio::pin!(conn);
        tokio::pin!(shutdown);
        tokio::select! {
            // A connection error here means the peer went away or sent garbage, or a fault
            // ended the response early; hyper has already answered what it could, and there
            // is nobody to report to.
            _ = conn.as_mut() => return,
            () = &mut shutdown => {}
        }
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}
