//! Stalls ([`Fault::Stall`](super::Fault::Stall)) without the server keeping time.
//!
//! A stalled response has sent its head and some body bytes and then sends nothing for a
//! while (docs/http.md#stall), which a client meets as its idle timer running out
//! (NET-2: `timeoutIntervalForRequest`, then an automatic retry). How long "a while" is
//! must not be measured by the server in a simulation, whose clock is virtual: a real sleep
//! would make the run wait for real, and a tokio timer knows nothing of the virtual clock.
//! So the server only *announces* the stall on a [`StallBoard`], and whoever owns the
//! clock ends it:
//!
//! - [`StallBoard::virtual_time`] (simulations): the stall waits until the driver, which
//!   watches the connection with a [`StallWatcher`], calls [`StallWatcher::release`] once
//!   the virtual duration has passed, or drops the watcher because the client gave up.
//! - [`StallBoard::real_time`] (`bgsim serve`, plain tests): the stall also ends by itself
//!   after its duration on the tokio clock; a stall without duration never does.
//!
//! In both modes the stall is posted on the board, so a watcher sees it either way.
//!
//! Connections are named by [`ConnKey`] on both ends. The driver's sequence for one
//! connection is: dial, make its key (the client's local TCP port, or the memory pipe's
//! number), [`StallBoard::watch`] it, and keep the watcher as long as the connection; in
//! the transfer loop, `select!` on [`StallWatcher::stalled`] next to reading the body. Once
//! it resolves, the server has handed `sent_body_bytes` to the transport (they may still be
//! on their way on TCP: read until you have them); the driver lets virtual time run and
//! either calls `release()` when `duration` has passed, or times the request out and drops
//! the connection and the watcher.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::watch;

pub use super::link::ConnKey;

/// A stall the server is in: what the client got before it, and how long it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// Body bytes the server handed to the transport before stalling (the fault's `at`).
    pub sent_body_bytes: u64,
    /// How long the stall lasts; `None` = forever.
    pub duration: Option<Duration>,
}

/// Where stalled responses are announced and released. Cheap to clone; clones share the
/// board.
#[derive(Clone, Debug)]
pub struct StallBoard {
    inner: Arc<Board>,
}

#[derive(Debug)]
struct Board {
    real_time: bool,
    /// One slot per connection that a watcher or a stalled response is using; the slot
    /// goes when both are gone.
    slots: Mutex<HashMap<ConnKey, Weak<Slot>>>,
}

/// One connection's stall state, shared by its watchers and its stalled responses.
#[derive(Debug)]
struct Slot {
    state: watch::Sender<SlotState>,
}

#[derive(Clone, Debug, Default)]
struct SlotState {
    /// Live watchers of this connection.
    watchers: usize,
    /// Every watcher has been dropped (and none made since): the client is gone.
    abandoned: bool,
    /// The stall in progress and not yet released, with its number.
    pending: Option<(u64, Stall)>,
    /// Number of the next stall posted.
    next_seq: u64,
}

/// How a stall ended, for the stalled body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StallEnd {
    /// Send the rest of the body.
    Resume,
    /// The client is gone and the stall would never end: fail the body.
    GiveUp,
}

impl StallBoard {
    /// A board for `bgsim serve` and plain tests: a stall also ends by itself after its
    /// duration on the tokio clock (a stall without duration never ends by itself).
    pub fn real_time() -> StallBoard {
        StallBoard::new(true)
    }

    /// A board for simulations: a stall is posted on the board and lasts until a watcher
    /// releases it or every watcher of its connection is dropped.
    pub fn virtual_time() -> StallBoard {
        StallBoard::new(false)
    }

    fn new(real_time: bool) -> StallBoard {
        StallBoard {
            inner: Arc::new(Board {
                real_time,
                slots: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// True for [`StallBoard::real_time`].
    pub fn is_real_time(&self) -> bool {
        self.inner.real_time
    }

    /// The driver's side of connection `conn`: see when the server stalls it, and release
    /// it. Watch a connection from when it is opened until it is closed; stalls posted
    /// before the watcher was made are seen too.
    pub fn watch(&self, conn: ConnKey) -> StallWatcher {
        let slot = self.slot(conn);
        slot.state.send_modify(|s| {
            s.watchers += 1;
            s.abandoned = false;
        });
        StallWatcher { slot }
    }

    /// The server's side of connection `conn`, held while the connection is served, so
    /// what its watchers did (e.g. leave) is remembered between its stalls.
    pub(crate) fn connection(&self, conn: ConnKey) -> ConnStalls {
        ConnStalls {
            slot: self.slot(conn),
            real_time: self.inner.real_time,
        }
    }

    /// The slot of `conn`, made if no one is using it. Also forgets slots no one uses.
    fn slot(&self, conn: ConnKey) -> Arc<Slot> {
        // The map stays consistent whatever a panicking holder did, so ignore poison.
        let mut slots = self
            .inner
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(&conn).and_then(Weak::upgrade) {
            return slot;
        }
        slots.retain(|_, slot| slot.strong_count() > 0);
        let slot = Arc::new(Slot {
            state: watch::Sender::new(SlotState::default()),
        });
        slots.insert(conn, Arc::downgrade(&slot));
        slot
    }
}

/// The server's side of one connection's stalls ([`StallBoard::connection`]).
#[derive(Debug)]
pub(crate) struct ConnStalls {
    slot: Arc<Slot>,
    real_time: bool,
}

impl ConnStalls {
    /// Posts `stall` and returns a future that resolves when it ends. The post is made at
    /// once; dropping the future withdraws it (the response is gone).
    pub(crate) fn hold(
        &self,
        stall: Stall,
    ) -> impl std::future::Future<Output = StallEnd> + Send + 'static {
        let slot = self.slot.clone();
        let mut seq = 0;
        slot.state.send_modify(|s| {
            seq = s.next_seq;
            s.next_seq += 1;
            s.pending = Some((seq, stall));
        });
        let posted = Posted { slot, seq };
        let real_time = self.real_time;
        async move {
            let decided = posted.decided(stall.duration.is_none());
            let end = match (real_time, stall.duration) {
                (true, Some(duration)) => tokio::select! {
                    end = decided => end,
                    () = tokio::time::sleep(duration) => StallEnd::Resume,
                },
                _ => decided.await,
            };
            drop(posted);
            end
        }
    }
}

/// A stall posted by a response; withdrawn when dropped if nobody released it.
struct Posted {
    slot: Arc<Slot>,
    seq: u64,
}

impl Posted {
    /// Resolves when the stall is released, or with [`StallEnd::GiveUp`] when the client
    /// is gone and the stall lasts `forever`; a finite stall resumes then.
    async fn decided(&self, forever: bool) -> StallEnd {
        let mut rx = self.slot.state.subscribe();
        let seq = self.seq;
        let ours = |s: &SlotState| matches!(s.pending, Some((n, _)) if n == seq);
        let end = match rx.wait_for(|s| !ours(s) || s.abandoned).await {
            Ok(s) if forever && ours(&s) => StallEnd::GiveUp,
            Ok(_) => StallEnd::Resume,
            // The sender lives in the slot this holds, so this cannot happen; resuming is
            // the harmless answer.
            Err(_) => StallEnd::Resume,
        };
        end
    }
}

impl Drop for Posted {
    fn drop(&mut self) {
        let seq = self.seq;
        self.slot.state.send_if_modified(|s| match s.pending {
            Some((n, _)) if n == seq => {
                s.pending = None;
                true
            }
            _ => false,
        });
    }
}

/// The driver's side of one connection's stalls ([`StallBoard::watch`]).
///
/// Dropping the last watcher of a connection says the client is gone: a stall in progress
/// is released if it has a duration, and ends the response with an error (hyper then closes
/// the connection) if it has none, so no server task waits forever for a client that left.
/// Stalls posted while no watcher is left behave the same at once.
#[derive(Debug)]
pub struct StallWatcher {
    slot: Arc<Slot>,
}

impl StallWatcher {
    /// Resolves once the server has stalled this connection (at once if it already has and
    /// is not released yet): the body bytes it sent before the stall, and the stall's
    /// duration (`None` = forever). After [`StallWatcher::release`], waits for the next
    /// stall on this connection.
    ///
    /// Cancel safe: dropping the future (e.g. in `tokio::select!`) loses nothing.
    pub async fn stalled(&self) -> Stall {
        let mut rx = self.slot.state.subscribe();
        let stall = match rx.wait_for(|s| s.pending.is_some()).await {
            Ok(s) => s.pending.map(|(_, stall)| stall),
            // The sender lives in the slot this holds, so this cannot happen.
            Err(_) => None,
        };
        match stall {
            Some(stall) => stall,
            None => std::future::pending().await,
        }
    }

    /// Lets the server go on sending after the stall in progress: the rest of the body
    /// follows. Meant for when a stall's duration has passed on the driver's clock; it also
    /// resumes a stall without duration. Does nothing when no stall is in progress.
    pub fn release(&self) {
        self.slot
            .state
            .send_if_modified(|s| s.pending.take().is_some());
    }
}

impl Drop for StallWatcher {
    fn drop(&mut self) {
        self.slot.state.send_modify(|s| {
            s.watchers = s.watchers.saturating_sub(1);
            if s.watchers == 0 {
                s.abandoned = true;
                // A stall with a duration ends; one without is given up by its response.
                if matches!(s.pending, Some((_, stall)) if stall.duration.is_some()) {
                    s.pending = None;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(Waker::noop()))
    }

    const FINITE: Stall = Stall {
        sent_body_bytes: 10,
        duration: Some(Duration::from_secs(90)),
    };
    const FOREVER: Stall = Stall {
        sent_body_bytes: 0,
        duration: None,
    };

    #[test]
    fn a_virtual_stall_waits_for_release_and_is_seen_by_a_later_watcher() {
        let board = StallBoard::virtual_time();
        let mut held = pin!(board.connection(ConnKey(7)).hold(FINITE));
        assert_eq!(poll_once(held.as_mut()), Poll::Pending);
        // Another connection sees nothing.
        let other = board.watch(ConnKey(8));
        assert_eq!(poll_once(pin!(other.stalled())), Poll::Pending);
        let w = board.watch(ConnKey(7));
        assert_eq!(poll_once(pin!(w.stalled())), Poll::Ready(FINITE));
        // Seen again until released: stalled() consumes nothing.
        assert_eq!(poll_once(pin!(w.stalled())), Poll::Ready(FINITE));
        assert_eq!(poll_once(held.as_mut()), Poll::Pending);
        w.release();
        assert_eq!(poll_once(held.as_mut()), Poll::Ready(StallEnd::Resume));
        assert_eq!(poll_once(pin!(w.stalled())), Poll::Pending);
    }

    #[test]
    fn dropping_the_watcher_releases_a_finite_stall_and_gives_up_a_forever_one() {
        let board = StallBoard::virtual_time();
        let w = board.watch(ConnKey(1));
        let mut finite = pin!(board.connection(ConnKey(1)).hold(FINITE));
        assert_eq!(poll_once(finite.as_mut()), Poll::Pending);
        drop(w);
        assert_eq!(poll_once(finite.as_mut()), Poll::Ready(StallEnd::Resume));

        // The server holds its side for as long as it serves the connection.
        let conn = board.connection(ConnKey(2));
        let w = board.watch(ConnKey(2));
        let mut forever = pin!(conn.hold(FOREVER));
        assert_eq!(poll_once(forever.as_mut()), Poll::Pending);
        w.release();
        // release() resumes a forever stall too, when the driver wants it.
        assert_eq!(poll_once(forever.as_mut()), Poll::Ready(StallEnd::Resume));
        let mut forever = pin!(conn.hold(FOREVER));
        assert_eq!(poll_once(forever.as_mut()), Poll::Pending);
        drop(w);
        assert_eq!(poll_once(forever.as_mut()), Poll::Ready(StallEnd::GiveUp));
        // Once abandoned, later stalls end at once; a new watcher makes them wait again.
        assert_eq!(
            poll_once(pin!(conn.hold(FOREVER))),
            Poll::Ready(StallEnd::GiveUp)
        );
        assert_eq!(
            poll_once(pin!(conn.hold(FINITE))),
            Poll::Ready(StallEnd::Resume)
        );
        let _w = board.watch(ConnKey(2));
        assert_eq!(poll_once(pin!(conn.hold(FINITE))), Poll::Pending);
    }

    #[test]
    fn a_withdrawn_stall_is_no_longer_seen_and_unused_slots_go() {
        let board = StallBoard::virtual_time();
        let w = board.watch(ConnKey(3));
        {
            let mut held = pin!(board.connection(ConnKey(3)).hold(FINITE));
            assert_eq!(poll_once(held.as_mut()), Poll::Pending);
            assert_eq!(poll_once(pin!(w.stalled())), Poll::Ready(FINITE));
        }
        assert_eq!(poll_once(pin!(w.stalled())), Poll::Pending);
        drop(w);
        let _other = board.watch(ConnKey(4));
        let slots = board.inner.slots.lock().unwrap();
        assert_eq!(slots.keys().copied().collect::<Vec<_>>(), [ConnKey(4)]);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_real_time_stall_ends_after_its_duration_on_the_tokio_clock() {
        let board = StallBoard::real_time();
        let w = board.watch(ConnKey(5));
        let mut held = pin!(board.connection(ConnKey(5)).hold(FINITE));
        assert_eq!(poll_once(held.as_mut()), Poll::Pending);
        assert_eq!(w.stalled().await, FINITE);
        tokio::time::advance(Duration::from_secs(89)).await;
        assert_eq!(poll_once(held.as_mut()), Poll::Pending);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(held.await, StallEnd::Resume);
        assert_eq!(poll_once(pin!(w.stalled())), Poll::Pending);
    }
}
