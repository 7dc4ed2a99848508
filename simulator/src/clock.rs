//! The event queue. Time jumps straight to the next scheduled event, so a week of
//! suspension costs nothing; events at the same instant run in the order they were
//! scheduled (a sequence number breaks ties), which keeps runs deterministic.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // BinaryHeap is a max-heap: reverse so the earliest (then lowest seq) pops first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Names one scheduled event, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

/// Virtual time plus the queue of events waiting for it.
pub struct Clock<E> {
    now: SimTime,
    next_seq: u64,
    queue: BinaryHeap<Entry<E>>,
    /// The events in the heap not cancelled. A cancelled one stays in the heap until it
    /// reaches the top and is dropped there: a cancel costs O(1), where taking an event out
    /// of the heap costs a rebuild of it (which made a session of 10,000 tasks quadratic:
    /// one rebuild per finished task).
    pending: HashSet<u64>,
}

impl<E> Default for Clock<E> {
    fn default() -> Self {
        Clock {
            now: SimTime::ZERO,
            next_seq: 0,
            queue: BinaryHeap::new(),
            pending: HashSet::new(),
        }
    }
}

impl<E> Clock<E> {
    /// The current virtual instant.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at` (never earlier than now); returns when, and its id.
    pub fn schedule(&mut self, at: SimTime, event: E) -> (SimTime, EventId) {
        let at = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Entry { at, seq, event });
        self.pending.insert(seq);
        (at, EventId(seq))
    }

    /// Cancels a scheduled event (one already run or cancelled is ignored).
    pub fn cancel(&mut self, id: EventId) {
        if self.pending.remove(&id.0) {
            self.drop_cancelled_head();
        }
    }

    /// Keeps the heap's top a live event, so peeking needs no skipping.
    fn drop_cancelled_head(&mut self) {
        while let Some(top) = self.queue.peek() {
            if self.pending.contains(&top.seq) {
                break;
            }
            self.queue.pop();
        }
    }

    /// When the next event is due, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.queue.peek().map(|e| e.at)
    }

    /// Whether any scheduled (not cancelled) event satisfies `test`.
    pub fn any(&self, mut test: impl FnMut(&E) -> bool) -> bool {
        (self.queue.iter()).any(|e| self.pending.contains(&e.seq) && test(&e.event))
    }

    /// Removes the next event and moves the clock to its instant.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.queue.pop()?;
        self.pending.remove(&entry.seq);
        self.drop_cancelled_head();
        self.now = entry.at;
        Some((entry.at, entry.event))
    }

    /// Moves the clock forward to `t` without running anything (used at the horizon).
    pub fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }

    /// Removes every queued event for which `take` returns true, keeping their order.
    pub fn extract(&mut self, mut take: impl FnMut(&E) -> bool) -> Vec<(SimTime, E)> {
        let mut entries = std::mem::take(&mut self.queue).into_vec();
        entries.sort_by_key(|e| (e.at, e.seq));
        let mut taken = Vec::new();
        for e in entries {
            if !self.pending.contains(&e.seq) {
                continue;
            }
            if take(&e.event) {
                self.pending.remove(&e.seq);
                taken.push((e.at, e.event));
            } else {
                self.queue.push(e);
            }
        }
        taken
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order_and_jumps() {
        let mut c = Clock::default();
        c.schedule(SimTime::from_secs(3600), "late");
        c.schedule(SimTime::from_secs(1), "a");
        c.schedule(SimTime::from_secs(1), "b");
        assert_eq!(c.pop(), Some((SimTime::from_secs(1), "a")));
        assert_eq!(c.pop(), Some((SimTime::from_secs(1), "b")));
        assert_eq!(c.pop(), Some((SimTime::from_secs(3600), "late")));
        assert_eq!(c.now(), SimTime::from_secs(3600));
        assert_eq!(c.pop(), None);
    }

    #[test]
    fn never_schedules_in_the_past() {
        let mut c = Clock::default();
        c.schedule(SimTime::from_secs(5), 1);
        c.pop();
        c.schedule(SimTime::ZERO, 2);
        assert_eq!(c.pop(), Some((SimTime::from_secs(5), 2)));
    }

    #[test]
    fn a_cancelled_event_never_runs_and_does_not_count() {
        let mut c = Clock::default();
        let (_, early) = c.schedule(SimTime::from_secs(1), "early");
        let (_, late) = c.schedule(SimTime::from_secs(9), "late");
        c.schedule(SimTime::from_secs(5), "middle");
        c.cancel(late);
        assert_eq!(c.len(), 2);
        c.cancel(early);
        assert_eq!(
            c.peek_time(),
            Some(SimTime::from_secs(5)),
            "the top is live"
        );
        assert_eq!(c.pop(), Some((SimTime::from_secs(5), "middle")));
        assert!(c.is_empty(), "only cancelled events were left");
        assert_eq!(c.pop(), None);
        assert_eq!(
            c.now(),
            SimTime::from_secs(5),
            "a cancelled event moves no time"
        );
        c.cancel(early);
        assert!(c.is_empty(), "cancelling twice is harmless");
    }

    #[test]
    fn extract_keeps_order_of_what_it_takes_and_leaves_the_rest() {
        let mut c = Clock::default();
        for i in 0..6 {
            c.schedule(SimTime::from_secs(10 - i), i);
        }
        let taken: Vec<_> = c
            .extract(|e| e % 2 == 0)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        assert_eq!(taken, vec![4, 2, 0]);
        assert_eq!(c.len(), 3);
    }
}
