//! Knowing when hyper has handed every buffered byte to the transport, so a cut body can end
//! without losing its prefix (docs/http.md#flushing-before-a-break).
//!
//! hyper buffers the head and body frames and writes them when it flushes. If a body ends
//! short of its Content-Length (or errors) while bytes are still in that buffer, hyper fails
//! the connection and the buffered bytes are never written: the client would get fewer bytes
//! than the fault promised, and how many would depend on socket buffering. hyper calls the
//! transport's `poll_flush` only once its own buffer is empty, so the connection's transport
//! wrapper (`link::ConnIo`) counts those calls in a per-connection [`FlushSignal`], and a
//! body that stops early (cut, reset, stall) waits for one that happened after its last data
//! frame before it acts.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Counts completed transport flushes on one connection and wakes a body waiting for one.
#[derive(Debug, Default)]
pub(crate) struct FlushSignal {
    state: Mutex<FlushState>,
}

#[derive(Debug, Default)]
struct FlushState {
    /// Number of completed transport flushes so far.
    epoch: u64,
    /// The task of a body waiting for the next flush.
    waker: Option<Waker>,
}

impl FlushSignal {
    /// The number of flushes completed so far.
    pub(crate) fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Ready once a flush has completed after `epoch` was read; otherwise registers the
    /// caller to be woken by the next one.
    pub(crate) fn poll_flushed_since(&self, epoch: u64, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        if state.epoch > epoch {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Records one completed transport flush and wakes the body waiting for it.
    pub(crate) fn flushed(&self) {
        let waker = {
            let mut state = self.lock();
            state.epoch += 1;
            state.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Nothing is left half-updated under this lock, so poison is harmless.
    fn lock(&self) -> MutexGuard<'_, FlushState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
