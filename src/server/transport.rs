//! Transports feeding the fixture service: loopback TCP, and in-memory duplex pipes for
//! tests that need no sockets at all.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use super::link::{memory_reset_hook, tcp_reset_hook, ConnKey, Link, MemoryConn, UnackedProbe};
use super::limits::{self, ServeLimits};
use super::FixtureServer;

/// How long [`TcpServer::shutdown`] lets open connections finish before aborting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Buffer size of each in-memory connection, per direction.
const DUPLEX_BUFFER: usize = 256 * 1024;

/// A fixture server listening on a loopback TCP address.
///
/// Dropping it without calling [`TcpServer::shutdown`] also stops the accept loop, but does
/// not wait for it.
#[derive(Debug)]
pub struct TcpServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept_task: JoinHandle<()>,
}

impl TcpServer {
    /// Binds `addr` (port 0 picks an ephemeral port) and starts accepting on the current
    /// tokio runtime. Connection ids are 0, 1, 2… in accept order; a connection's
    /// [`ConnKey`] is the client's port ([`ConnKey::of_tcp_client`]).
    ///
    /// Only loopback addresses are allowed: anything else is refused with `InvalidInput`
    /// before binding, so a test can never expose fixtures beyond the machine.
    pub async fn start(server: FixtureServer, addr: SocketAddr) -> io::Result<TcpServer> {
        TcpServer::start_with_limits(server, addr, ServeLimits::default()).await
    }

    /// Like [`TcpServer::start`], with `limits` on each connection's header read time and on
    /// how many connections are served at once (`bgsim serve`).
    pub async fn start_with_limits(
        server: FixtureServer,
        addr: SocketAddr,
        limits: ServeLimits,
    ) -> io::Result<TcpServer> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to listen on {addr}: only loopback addresses (127.0.0.0/8 or ::1) are allowed"
                ),
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let accept_task = tokio::spawn(accept_loop(listener, server, limits, stop_rx));
        Ok(TcpServer {
            local_addr,
            stop,
            accept_task,
        })
    }

    /// The bound address (with the actual port when 0 was requested).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets open connections finish their in-flight response (idle
    /// keep-alive connections close at once), and returns when all are closed or after a few
    /// seconds, whichever comes first; stragglers are then aborted.
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        let _ = self.accept_task.await;
    }
}

/// Resolves once shutdown is requested, or the `TcpServer` handle was dropped.
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

async fn accept_loop(
    listener: TcpListener,
    server: FixtureServer,
    limits: ServeLimits,
    stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    // One permit per connection being served, held by its transport until the socket
    // closes; the JoinSet's length would count finished connections not yet reaped.
    let places = limits.max_connections.map(|n| Arc::new(Semaphore::new(n)));
    let mut next_id = 0u64;
    let stop_signal = stopped(stop.clone());
    tokio::pin!(stop_signal);
    loop {
        tokio::select! {
            () = &mut stop_signal => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let slot = match &places {
                        None => None,
                        Some(places) => match places.clone().try_acquire_owned() {
                            Ok(permit) => Some(permit),
                            Err(_) => {
                                // Over the cap: answer and close on a task of its own, so
                                // the accept loop goes on at once.
                                connections.spawn(limits::refuse(stream));
                                continue;
                            }
                        },
                    };
                    // Small writes go out at once, which fault injection relies on.
                    let _ = stream.set_nodelay(true);
                    let id = next_id;
                    next_id += 1;
                    let server = server.clone();
                    let shutdown = stopped(stop.clone());
                    let unacked = UnackedProbe::of_tcp(&stream);
                    let link = Link {
                        io: stream,
                        connection_id: id,
                        key: ConnKey(u64::from(peer.port())),
                        reset: Some(tcp_reset_hook()),
                        unacked,
                        slot,
                    };
                    let header_read_timeout = limits.header_read_timeout;
                    connections.spawn(async move {
                        server
                            .serve_link_until(link, header_read_timeout, shutdown)
                            .await;
                    });
                }
                // Per-connection failures (e.g. the peer reset before accept) are harmless.
                // Resource exhaustion would make accept fail in a tight loop, so back off.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
    connections.abort_all();
}

/// A fixture server reached over in-memory pipes instead of sockets.
#[derive(Debug)]
pub struct MemoryServer {
    server: FixtureServer,
    next_id: AtomicU64,
}

impl MemoryServer {
    /// An in-memory transport for `server`.
    pub fn new(server: FixtureServer) -> Self {
        MemoryServer {
            server,
            next_id: AtomicU64::new(0),
        }
    }

    /// The server behind this transport.
    pub fn server(&self) -> &FixtureServer {
        &self.server
    }

    /// Opens a new connection and returns the client's end. The server's end is served on a
    /// task spawned on the current tokio runtime (so this must be called inside one), with
    /// connection ids 0, 1, 2… in call order. Dropping the returned stream closes the
    /// connection.
    pub fn connect(&self) -> MemoryConn {
        self.connect_keyed().0
    }

    /// Like [`MemoryServer::connect`], and also returns the key the server knows this
    /// connection by (its connection id).
    pub fn connect_keyed(&self) -> (MemoryConn, ConnKey) {
        let (client, server_end) = tokio::io::duplex(DUPLEX_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let key = ConnKey(id);
        let reset = Arc::new(AtomicBool::new(false));
        let link = Link {
            io: server_end,
            connection_id: id,
            key,
            reset: Some(memory_reset_hook(reset.clone())),
            // Bytes in the pipe's buffer survive the server's end being dropped, so flushed
            // is delivered.
            unacked: None,
            slot: None,
        };
        let server = self.server.clone();
        tokio::spawn(async move {
            server
                .serve_link_until(link, None, std::future::pending())
                .await;
        });
        (MemoryConn::new(client, reset), key)
    }
}

/// Serves `server` on `addr` (loopback only) until `shutdown` completes, then shuts down as
/// [`TcpServer::shutdown`] does. Prints nothing; the caller reports the address if it wants.
pub async fn serve_until<F>(server: FixtureServer, addr: SocketAddr, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()>,
{
    let tcp = TcpServer::start(server, addr).await?;
    shutdown.await;
    tcp.shutdown().await;
    Ok(())
}
