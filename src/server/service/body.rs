//! The response body: streams a byte range of a fixture, possibly cut short, reset or
//! held by the fault plan.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

use super::super::fixture::Content;
use super::super::journal::BodyGuard;
use super::super::link::ConnControl;
use super::super::stall::{Stall, StallEnd};
use super::{Break, BreakAction};

/// Body frames are at most this big: large enough for loopback throughput, small enough that
/// generated content is produced incrementally.
const CHUNK: u64 = 64 * 1024;

/// How soon a body about to reset asks the kernel again whether the client has every byte
/// yet (nothing signals it). Loopback acknowledges within microseconds of the client
/// reading, so the first waits are short; they double up to the maximum so a client that
/// stops reading for long costs few wake-ups.
const DRAIN_POLL_FIRST: Duration = Duration::from_millis(1);
const DRAIN_POLL_MAX: Duration = Duration::from_millis(32);

/// The response body: bytes `range` of `content`, in frames of at most 64 KiB, possibly
/// stopped early by the fault plan.
///
/// A whole body reports an exact size hint when framed by length (so hyper checks it
/// against Content-Length), and ends the stream on the last data frame, so hyper drops it
/// (finalising the journal entry) as soon as the final bytes are handed over.
///
/// At each break (see [`Break`]) the body first waits until hyper has written everything it
/// buffered: otherwise hyper would drop the buffered prefix when the body fails
/// (docs/http.md#flushing-before-a-break). Then:
/// - a cut fails the body (or, close-delimited, ends it), and hyper closes with a FIN;
/// - a reset waits until the client has acknowledged every byte (where the transport can
///   tell), asks the connection to reset when it closes, and fails the body;
/// - a stall posts itself on the server's stall board and waits for it to end, then
///   sends the rest; if the client is gone for good it fails the body instead.
///
/// A body that ends early promises no size (its Content-Length comes from the header) and
/// never reports its end before the break.
pub(crate) struct FixtureBody {
    content: Content,
    next: u64,
    /// The end of the range: where the data frames stop if no break ends the body first.
    end: u64,
    /// Offset in `content` of the body's first byte, which break offsets count from.
    start: u64,
    guard: BodyGuard,
    exact: bool,
    stops: Stops,
    phase: Phase,
}

/// The breaks of one body and what acting on them needs.
pub(super) struct Stops {
    /// In order of `at_byte`; the first one that ends the body is the last.
    pub(super) breaks: Vec<Break>,
    pub(super) control: Arc<ConnControl>,
    /// Whether a cut fails the body (the client sees an incomplete body) rather than ends it.
    pub(super) cut_fails: bool,
}

/// Where a body is between its data frames and its end.
enum Phase {
    /// Sending data frames up to the next break (or the end).
    Sending,
    /// At a break; waiting for a transport flush after flush number `.0`.
    Flushing(u64),
    /// About to reset; waiting for the client to acknowledge every byte, checking again when
    /// the timer fires.
    Draining(Drain),
    /// Held by a stall until it ends.
    Stalled(Pin<Box<dyn std::future::Future<Output = StallEnd> + Send>>),
    /// Failed or ended.
    Done,
}

/// Waiting, before a reset, for the client to acknowledge every byte.
struct Drain {
    /// Fires when it is time to ask the kernel again.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The wait after the next unsuccessful ask.
    next_wait: Duration,
}

/// The error a body ends with when a fault stops it; hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct BodyStopped {
    at_byte: u64,
    why: StopReason,
}

#[derive(Clone, Copy, Debug)]
enum StopReason {
    Cut,
    Reset,
    /// A stall without end whose client went away.
    StallAbandoned,
}

impl fmt::Display for BodyStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.why {
            StopReason::Cut => "body cut",
            StopReason::Reset => "connection reset",
            StopReason::StallAbandoned => "stall abandoned by the client",
        };
        write!(f, "fault plan: {what} after {} bytes", self.at_byte)
    }
}

impl std::error::Error for BodyStopped {}

impl FixtureBody {
    pub(super) fn new(
        content: Content,
        range: Range<u64>,
        mut stops: Stops,
        journal: crate::server::Journal,
        request_index: u64,
        length_framed: bool,
    ) -> Self {
        // Never promise bytes the content cannot produce, or hyper would abort the connection.
        let end = range.end.min(content.len());
        let next = range.start.min(end);
        let guard = BodyGuard::new(journal, request_index, end - next);
        // A break at or past the end is no break. At one offset a stall comes before a cut,
        // and nothing after the first break that ends the body matters.
        stops.breaks.retain(|b| b.at_byte < end - next);
        stops
            .breaks
            .sort_by_key(|b| (b.at_byte, b.action.ends_body()));
        if let Some(last) = stops.breaks.iter().position(|b| b.action.ends_body()) {
            stops.breaks.truncate(last + 1);
        }
        let exact = length_framed && !stops.breaks.iter().any(|b| b.action.ends_body());
        FixtureBody {
            content,
            next,
            end,
            start: next,
            guard,
            exact,
            stops,
            phase: Phase::Sending,
        }
    }

    /// Where the data frames stop for now: the next break, or the end.
    fn stop(&self) -> u64 {
        self.stops
            .breaks
            .first()
            .map_or(self.end, |b| self.start + b.at_byte)
    }
}

impl Body for FixtureBody {
    type Data = Bytes;
    type Error = BodyStopped;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyStopped>>> {
        let this = self.get_mut();
        loop {
            match &mut this.phase {
                Phase::Sending => {
                    let stop = this.stop();
                    if this.next < stop {
                        let want = (stop - this.next).min(CHUNK) as usize;
                        let chunk = this.content.read_at(this.next, want);
                        if !chunk.is_empty() {
                            this.next += chunk.len() as u64;
                            this.guard.add(chunk.len() as u64);
                            return Poll::Ready(Some(Ok(Frame::data(chunk))));
                        }
                        // Unreachable given the clamping in new(); stop producing rather
                        // than spin.
                        this.end = this.next;
                        this.stops.breaks.clear();
                    }
                    if this.stops.breaks.is_empty() {
                        this.phase = Phase::Done;
                        return Poll::Ready(None);
                    }
                    // Only flushes from now on prove the prefix left hyper's buffer.
                    this.phase = Phase::Flushing(this.stops.control.flushes.epoch());
                }
                Phase::Flushing(epoch) => {
                    std::task::ready!(this.stops.control.flushes.poll_flushed_since(*epoch, cx));
                    let at_byte = this.next - this.start;
                    match this.stops.breaks[0].action {
                        BreakAction::Cut => {
                            this.phase = Phase::Done;
                            if this.stops.cut_fails {
                                return Poll::Ready(Some(Err(BodyStopped {
                                    at_byte,
                                    why: StopReason::Cut,
                                })));
                            }
                            return Poll::Ready(None);
                        }
                        BreakAction::Reset => {
                            this.phase = Phase::Draining(Drain {
                                timer: None,
                                next_wait: DRAIN_POLL_FIRST,
                            });
                        }
                        BreakAction::Stall { duration } => {
                            let stall = Stall {
                                sent_body_bytes: at_byte,
                                duration,
                            };
                            let held = this.stops.control.stalls.hold(stall);
                            this.phase = Phase::Stalled(Box::pin(held));
                        }
                    }
                }
                Phase::Draining(drain) => {
                    if let Some(t) = &mut drain.timer {
                        std::task::ready!(std::future::Future::poll(t.as_mut(), cx));
                    }
                    if this.stops.control.unacked_bytes().is_some_and(|n| n > 0) {
                        drain.timer = Some(Box::pin(tokio::time::sleep(drain.next_wait)));
                        drain.next_wait = (drain.next_wait * 2).min(DRAIN_POLL_MAX);
                        continue;
                    }
                    this.stops.control.request_reset();
                    this.phase = Phase::Done;
                    return Poll::Ready(Some(Err(BodyStopped {
                        at_byte: this.next - this.start,
                        why: StopReason::Reset,
                    })));
                }
                Phase::Stalled(held) => match std::task::ready!(held.as_mut().poll(cx)) {
                    StallEnd::Resume => {
                        this.stops.breaks.remove(0);
                        this.phase = Phase::Sending;
                    }
                    StallEnd::GiveUp => {
                        this.phase = Phase::Done;
                        return Poll::Ready(Some(Err(BodyStopped {
                            at_byte: this.next - this.start,
                            why: StopReason::StallAbandoned,
                        })));
                    }
                },
                Phase::Done => return Poll::Ready(None),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self.phase {
            Phase::Done => true,
            Phase::Sending => self.stops.breaks.is_empty() && self.next >= self.end,
            _ => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact {
            SizeHint::with_exact(self.end - self.next)
        } else {
            SizeHint::default()
        }
    }
}
