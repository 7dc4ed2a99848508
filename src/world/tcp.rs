//! The daemon's dialer over loopback TCP, within the process's budget of file descriptors.
//!
//! Each connection costs two descriptors, the daemon's end and the in-process server's.
//! Dialing into the last free ones would be worse than failing: the server, unable to
//! accept, would leave the daemon waiting for response headers for ever. So the dialer
//! counts the connections it has open and refuses, before connecting, one that would leave
//! fewer than [`SPARE_FILES`] descriptors free; a refusal (or the kernel's EMFILE) marks the
//! run out of files, and the simulation ends it with that finding instead of retrying as
//! if the network had failed.

use super::{refuse, watched, FIXTURE_HOST};
use crate::server::{ConnKey, StallBoard};
use bgsim_simulator::network::{BoxedConnection, DialFuture, DialWatchedFuture, Dialer};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Descriptors kept free beyond the connections: the container's files, the runtime's
/// epoll and wake-up handles, the listener, standard streams, a child app's pipes.
const SPARE_FILES: u64 = 64;

pub(super) struct TcpDialer {
    addr: SocketAddr,
    stalls: StallBoard,
    /// Connections open now (their daemon's ends; the server's close soon after). Atomic
    /// only because connections must be `Send`; one thread touches it.
    open: Arc<AtomicU64>,
    /// At most this many at once: what the soft limit leaves after the spare ones.
    max_open: u64,
    out_of_files: Arc<AtomicBool>,
}

impl TcpDialer {
    /// A dialer to the server at `addr` that marks `out_of_files` when descriptors run out.
    pub(super) fn new(addr: SocketAddr, stalls: StallBoard, out_of_files: Arc<AtomicBool>) -> Self {
        let limit = crate::open_files::soft_limit().unwrap_or(1024);
        TcpDialer {
            addr,
            stalls,
            open: Arc::default(),
            max_open: limit.saturating_sub(SPARE_FILES) / 2,
            out_of_files,
        }
    }

    fn out_of_files(&self) -> io::Error {
        self.out_of_files.store(true, Ordering::Relaxed);
        tracing::warn!(
            open = self.open.load(Ordering::Relaxed),
            max_open = self.max_open,
            "out of file descriptors: the run ends"
        );
        io::Error::other(format!(
            "out of file descriptors: {} connections open",
            self.open.load(Ordering::Relaxed)
        ))
    }

    async fn connect(&self, authority: &str) -> io::Result<(tokio::net::TcpStream, OpenSlot)> {
        if authority != FIXTURE_HOST {
            return Err(refuse(authority));
        }
        if self.open.load(Ordering::Relaxed) >= self.max_open {
            return Err(self.out_of_files());
        }
        let stream = match tokio::net::TcpStream::connect(self.addr).await {
            Err(e) if crate::open_files::is_exhaustion(&e) => return Err(self.out_of_files()),
            r => r?,
        };
        stream.set_nodelay(true)?;
        self.open.fetch_add(1, Ordering::Relaxed);
        let slot = OpenSlot(Arc::clone(&self.open));
        Ok((stream, slot))
    }
}

impl Dialer for TcpDialer {
    fn dial(&self, authority: &str) -> DialFuture<'_> {
        let authority = authority.to_string();
        Box::pin(async move {
            let (stream, slot) = self.connect(&authority).await?;
            Ok(Box::new(Counted { stream, _slot: slot }) as BoxedConnection)
        })
    }

    fn dial_watched(&self, authority: &str) -> DialWatchedFuture<'_> {
        let authority = authority.to_string();
        Box::pin(async move {
            let (stream, slot) = self.connect(&authority).await?;
            let key = ConnKey::of_tcp_client(&stream)?;
            let conn = Box::new(Counted { stream, _slot: slot });
            Ok(watched(conn, &self.stalls, key))
        })
    }
}

/// One open connection in the dialer's count, given back when the connection is dropped.
struct OpenSlot(Arc<AtomicU64>);

impl Drop for OpenSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream counted while it is open.
struct Counted {
    stream: tokio::net::TcpStream,
    _slot: OpenSlot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
