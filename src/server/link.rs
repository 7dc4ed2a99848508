//! One connection as the server sees it, beyond reading and writing bytes: which connection
//! it is ([`ConnKey`]), when hyper has flushed (see `flush`), and how to end it with a reset
//! (RST) instead of a clean close (FIN) for [`Fault::Reset`](super::Fault::Reset).
//!
//! The service decides to reset; the transport is owned by hyper. So the service only raises
//! a flag in the connection's shared [`ConnControl`] and fails the body; hyper then drops the
//! transport, and [`ConnIo`]'s `Drop` runs the transport's reset hook first:
//! - loopback TCP: `SO_LINGER` 0, so the close sends a RST (docs/http.md, "RST on
//!   demand"); before that, the body waits until the peer has acknowledged every byte, since
//!   a RST throws away whatever the sender's kernel still queues (docs/http.md#determinism);
//! - in memory: a flag shared with the client's [`MemoryConn`], which then reports
//!   `ConnectionReset` where a clean close would read as end of file.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;

use super::flush::FlushSignal;
use super::stall::ConnStalls;

/// Names one connection on both ends, so a test or the simulated daemon can tell the server
/// which connection it means: the client's local TCP port on loopback (the server learns it
/// from `accept`, the client from `local_addr`), or the pipe number in memory (see
/// [`MemoryServer::connect_keyed`](super::MemoryServer::connect_keyed)).
///
/// A key is unique among open connections only: a port can be reused once its connection
/// has closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnKey(pub u64);

impl ConnKey {
    /// The key of a loopback TCP connection, from the client's end: its local port.
    pub fn of_tcp_client(stream: &tokio::net::TcpStream) -> io::Result<ConnKey> {
        Ok(ConnKey(u64::from(stream.local_addr()?.port())))
    }
}

/// What the transport does just before it is dropped to make the close a reset.
pub(crate) type ResetHook<I> = Box<dyn FnOnce(&mut I) + Send>;

/// A transport with what the server needs to know about it.
pub(crate) struct Link<I> {
    pub(crate) io: I,
    /// Recorded in the journal.
    pub(crate) connection_id: u64,
    /// How stall watchers name this connection.
    pub(crate) key: ConnKey,
    /// Makes the coming drop a reset; `None`: a reset is a plain close.
    pub(crate) reset: Option<ResetHook<I>>,
    /// Asks the kernel how much of what was written the peer has not acknowledged yet.
    pub(crate) unacked: Option<UnackedProbe>,
    /// This connection's place under the server's connection cap, if it has one; given
    /// back when the transport is dropped.
    pub(crate) slot: Option<OwnedSemaphorePermit>,
}

/// Per-connection state shared by the service, its bodies and the transport wrapper.
#[derive(Debug)]
pub(crate) struct ConnControl {
    /// This connection's side of the server's stall board.
    pub(crate) stalls: ConnStalls,
    pub(crate) flushes: FlushSignal,
    reset_requested: AtomicBool,
    unacked: Option<UnackedProbe>,
}

impl ConnControl {
    pub(crate) fn new(stalls: ConnStalls, unacked: Option<UnackedProbe>) -> Self {
        ConnControl {
            stalls,
            flushes: FlushSignal::default(),
            reset_requested: AtomicBool::new(false),
            unacked,
        }
    }

    /// From now on, closing this connection resets it.
    pub(crate) fn request_reset(&self) {
        self.reset_requested.store(true, Ordering::SeqCst);
    }

    fn reset_requested(&self) -> bool {
        self.reset_requested.load(Ordering::SeqCst)
    }

    /// Bytes written on this connection that the peer has not acknowledged yet; `None` when
    /// the transport cannot tell (then whatever was flushed counts as delivered).
    ///
    /// Only call this while the connection is being served, e.g. from a response body: the
    /// probe reads the socket that [`ConnIo`] owns.
    pub(crate) fn unacked_bytes(&self) -> Option<u64> {
        self.unacked.as_ref().and_then(UnackedProbe::unacked_bytes)
    }
}

/// Reads the send queue of a TCP socket: bytes not yet acknowledged by the peer, plus bytes
/// not yet sent. Zero means everything written has reached the peer's kernel, where a RST
/// no longer destroys it (measured on Linux, docs/http.md#determinism).
#[derive(Clone, Copy, Debug)]
pub(crate) struct UnackedProbe {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::RawFd,
}

impl UnackedProbe {
    /// A probe for `stream`. The probe holds the socket's descriptor number, not the socket:
    /// it is valid while `stream` is open, which [`ConnControl::unacked_bytes`] relies on.
    /// `None` off Linux, where there is no SIOCOUTQ.
    pub(crate) fn of_tcp(stream: &tokio::net::TcpStream) -> Option<UnackedProbe> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            Some(UnackedProbe {
                fd: stream.as_raw_fd(),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = stream;
            None
        }
    }

    fn unacked_bytes(&self) -> Option<u64> {
        #[cfg(target_os = "linux")]
        {
            let mut queued: libc::c_int = 0;
            // SAFETY: SIOCOUTQ (TIOCOUTQ's number on Linux) writes one c_int through the
            // pointer, which points at a live local. `fd` is the socket of a connection that
            // is still being served (see `of_tcp`); on a stale descriptor the call fails or
            // reads another socket's queue, never memory.
            let rc = unsafe { libc::ioctl(self.fd, libc::TIOCOUTQ, &mut queued) };
            (rc == 0).then(|| u64::try_from(queued).unwrap_or(0))
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}

/// The transport hyper serves: passes bytes through, reports flushes to the connection's
/// [`FlushSignal`], and resets instead of closing when [`ConnControl::request_reset`] was
/// called.
pub(crate) struct ConnIo<I> {
    /// Given back when hyper shuts the connection down, and declared before `io` so that it
    /// is also given back before the socket closes on a drop (fields drop in order): a
    /// client that has seen the close can count on the place being free.
    slot: Option<OwnedSemaphorePermit>,
    io: I,
    control: Arc<ConnControl>,
    reset: Option<ResetHook<I>>,
}

impl<I> ConnIo<I> {
    pub(crate) fn new(
        io: I,
        control: Arc<ConnControl>,
        reset: Option<ResetHook<I>>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Self {
        ConnIo {
            slot,
            io,
            control,
            reset,
        }
    }
}

impl<I> Drop for ConnIo<I> {
    fn drop(&mut self) {
        if self.control.reset_requested() {
            if let Some(hook) = self.reset.take() {
                hook(&mut self.io);
            }
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for ConnIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for ConnIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = std::task::ready!(Pin::new(&mut this.io).poll_flush(cx));
        if result.is_ok() {
            this.control.flushes.flushed();
        }
        Poll::Ready(result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.slot = None;
        // A FIN now would reach the client before the RST and read as a clean end.
        if this.control.reset_requested() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// The reset hook of a loopback TCP connection: `SO_LINGER` 0, so dropping the socket sends
/// a RST and discards anything still queued.
pub(crate) fn tcp_reset_hook() -> ResetHook<tokio::net::TcpStream> {
    Box::new(|stream| {
        // If this fails the close is a FIN: the client then sees a cut instead of a reset,
        // which is the best left to do.
        let _ = stream.set_zero_linger();
    })
}

/// The reset hook of an in-memory connection: raise the flag the client's end reads.
pub(crate) fn memory_reset_hook(flag: Arc<AtomicBool>) -> ResetHook<DuplexStream> {
    Box::new(move |_| flag.store(true, Ordering::SeqCst))
}

/// The client's end of an in-memory connection ([`MemoryServer::connect`](super::MemoryServer::connect)).
///
/// Behaves like the pipe it wraps, except after the server reset the connection
/// ([`Fault::Reset`](super::Fault::Reset)): the bytes sent before the reset can still be
/// read, then reading fails with [`io::ErrorKind::ConnectionReset`] instead of returning end
/// of file, and writing fails the same way, as on a TCP socket that received a RST.
#[derive(Debug)]
pub struct MemoryConn {
    pipe: DuplexStream,
    reset: Arc<AtomicBool>,
}

impl MemoryConn {
    pub(crate) fn new(pipe: DuplexStream, reset: Arc<AtomicBool>) -> Self {
        MemoryConn { pipe, reset }
    }

    fn reset_error(&self) -> Option<io::Error> {
        self.reset.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset by the fixture server (fault plan)",
            )
        })
    }
}

impl AsyncRead for MemoryConn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = std::task::ready!(Pin::new(&mut this.pipe).poll_read(cx, buf));
        // End of file is a read that added nothing to a buffer with room. The server raises
        // the flag before it drops its end, so the flag is set by the time EOF shows.
        let eof = result.is_ok() && buf.filled().len() == before && buf.remaining() > 0;
        match this.reset_error() {
            Some(err) if eof || result.is_err() => Poll::Ready(Err(err)),
            _ => Poll::Ready(result),
        }
    }
}

impl AsyncWrite for MemoryConn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(err) = this.reset_error() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut this.pipe).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().pipe).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().pipe).poll_shutdown(cx)
    }
}
