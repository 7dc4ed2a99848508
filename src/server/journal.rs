//! The request journal: one entry per request the server answered, for tests to assert on.
//!
//! Everything in an entry is deterministic for a given sequence of requests except
//! `body_bytes_sent` on a transfer the client aborted: how far the body stream got before the
//! write failed depends on socket buffering and scheduling.
//!
//! Which faults of the server's [`FaultPlan`](super::FaultPlan) shaped each response is kept
//! beside the entries ([`Journal::fault`], [`Journal::faults`]) rather than in
//! [`JournalEntry`], so code that builds entries field by field keeps compiling.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// What the server saw and did for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// Global order of arrival across all connections, from 0.
    pub request_index: u64,
    /// Id of the connection the request arrived on (assigned by the transport).
    pub connection_id: u64,
    /// Position of the request on its connection, from 0.
    pub index_on_connection: u64,
    /// Request method, e.g. `GET`.
    pub method: String,
    /// Request path, as sent (no query string).
    pub path: String,
    /// The Range field, if sent (repeated fields joined with `, `).
    pub range: Option<String>,
    /// The If-Range field, if sent.
    pub if_range: Option<String>,
    /// The If-Match field, if sent.
    pub if_match: Option<String>,
    /// The If-None-Match field, if sent.
    pub if_none_match: Option<String>,
    /// The Accept-Encoding field, if sent.
    pub accept_encoding: Option<String>,
    /// Status code sent.
    pub status: u16,
    /// Body bytes handed to hyper for writing.
    ///
    /// For an aborted transfer this depends on socket buffering and is not deterministic; for
    /// a completed one it equals the body length.
    pub body_bytes_sent: u64,
    /// True once the whole body was handed to hyper (always true for bodiless responses).
    pub body_complete: bool,
}

/// What the server read of an upload's request body (a PUT or POST), kept beside its
/// [`JournalEntry`] ([`Journal::upload`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    /// Request body bytes read.
    pub bytes: u64,
    /// Their FNV-1a 64 hash (`bgsim_simulator::content::Fnv1a64`).
    pub fnv1a64: u64,
    /// The body ended as its framing promised; false when the client went away first (the
    /// entry then has status 0: no response was sent).
    pub complete: bool,
}

/// How many requests `bgsim serve` keeps in its journal unless told otherwise
/// (`--journal N`): the newest 10,000, a few MB (an entry is a few hundred bytes: the
/// method, the path and five request fields as text, never a body).
pub const DEFAULT_SERVE_JOURNAL_CAPACITY: usize = 10_000;

/// A shared log of [`JournalEntry`]s. Clones share the same log.
///
/// [`Journal::new`] keeps every entry: a simulation's checks read the whole history.
/// [`Journal::bounded`] keeps the newest N only, for a long-running `bgsim serve`, whose
/// journal would otherwise grow with every request. Request indexes keep counting across
/// evictions, so an entry's `request_index` is always its global order of arrival.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    /// Woken whenever an entry's body is finalised, for [`Journal::wait_finished`].
    finished_changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Requests recorded so far, kept or evicted: the next `request_index`.
    recorded: u64,
    /// At most this many slots are kept; `None`: all of them.
    capacity: Option<usize>,
    /// The kept requests, oldest first: slot `i` has `request_index` `first_index() + i`.
    /// Entries are pushed under the lock that assigns the index.
    slots: VecDeque<Slot>,
}

/// One request's record.
#[derive(Debug)]
struct Slot {
    entry: JournalEntry,
    /// Whether the response body has been finalised.
    finished: bool,
    /// What the fault plan did to the response, if anything.
    fault: Option<String>,
    /// What was read of an upload's request body.
    upload: Option<UploadRecord>,
}

impl State {
    /// The `request_index` of the oldest kept entry (`recorded` when none is kept).
    fn first_index(&self) -> u64 {
        self.recorded - self.slots.len() as u64
    }

    /// The slot of request `request_index`, if it is still kept.
    fn slot(&self, request_index: u64) -> Option<&Slot> {
        let i = request_index.checked_sub(self.first_index())?;
        self.slots.get(usize::try_from(i).ok()?)
    }

    fn slot_mut(&mut self, request_index: u64) -> Option<&mut Slot> {
        let i = request_index.checked_sub(self.first_index())?;
        self.slots.get_mut(usize::try_from(i).ok()?)
    }
}

impl Journal {
    /// An empty journal that keeps every entry.
    pub fn new() -> Self {
        Journal::default()
    }

    /// An empty journal that keeps the newest `capacity` entries only, dropping the oldest
    /// as new ones arrive; 0 keeps none (request indexes are still assigned).
    pub fn bounded(capacity: usize) -> Self {
        let journal = Journal::default();
        journal.lock().capacity = Some(capacity);
        journal
    }

    /// The most entries this journal keeps; `None`: unbounded.
    pub fn capacity(&self) -> Option<usize> {
        self.lock().capacity
    }

    /// A snapshot of the kept entries, in order of arrival (all of them, unless the journal
    /// is [`Journal::bounded`]).
    ///
    /// An entry appears as soon as its request is answered; until its body is finalised it
    /// shows `body_complete: false` and the bytes counted so far.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().slots.iter().map(|s| s.entry.clone()).collect()
    }

    /// What the fault plan did to the response to request `request_index`: a short, stable
    /// description such as `cut at 100000`, `status 503` or `new version 1` (several faults
    /// are joined with `; `, in plan order). `None` when no fault applied, or no such request
    /// is kept.
    pub fn fault(&self, request_index: u64) -> Option<String> {
        self.lock().slot(request_index)?.fault.clone()
    }

    /// [`Journal::fault`] for every kept request, oldest first: indexed by `request_index`
    /// when nothing was evicted (always, for [`Journal::new`]).
    pub fn faults(&self) -> Vec<Option<String>> {
        self.lock().slots.iter().map(|s| s.fault.clone()).collect()
    }

    /// Kept entries with their fault descriptions, in order of arrival.
    pub fn entries_with_faults(&self) -> Vec<(JournalEntry, Option<String>)> {
        let state = self.lock();
        state
            .slots
            .iter()
            .map(|s| (s.entry.clone(), s.fault.clone()))
            .collect()
    }

    /// What the server read of the request body of request `request_index`, if it was an
    /// upload (PUT or POST) and is still kept.
    pub fn upload(&self, request_index: u64) -> Option<UploadRecord> {
        self.lock().slot(request_index)?.upload
    }

    /// Every kept upload, with its entry, in order of arrival.
    pub fn uploads(&self) -> Vec<(JournalEntry, UploadRecord)> {
        let state = self.lock();
        state
            .slots
            .iter()
            .filter_map(|s| s.upload.map(|u| (s.entry.clone(), u)))
            .collect()
    }

    /// Number of entries kept (for [`Journal::new`]: every request journaled so far).
    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    /// True when no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of requests journaled so far, kept or evicted: the next `request_index`.
    pub fn recorded(&self) -> u64 {
        self.lock().recorded
    }

    /// Waits until request `request_index` has arrived and its response body has been
    /// finalised (completed, or dropped after an abort), then returns its entry.
    ///
    /// Useful after a client aborts a download: the server notices asynchronously. Waits
    /// forever if that request never arrives, or was evicted from a bounded journal before
    /// it finished, so bound it with a timeout where that can happen.
    pub async fn wait_finished(&self, request_index: u64) -> JournalEntry {
        loop {
            // Register interest before checking, so a finalisation in between is not missed.
            let notified = self.inner.finished_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.lock();
                if let Some(slot) = state.slot(request_index).filter(|s| s.finished) {
                    return slot.entry.clone();
                }
            }
            notified.await;
        }
    }

    /// Appends an entry, assigning its `request_index`, and returns that index.
    #[cfg(test)]
    pub(crate) fn record(&self, entry: JournalEntry) -> u64 {
        self.record_with_fault(entry, None)
    }

    /// Appends an entry and the description of the faults applied to its response,
    /// assigning its `request_index`, and returns that index. A bounded journal drops its
    /// oldest entries to make room.
    pub(crate) fn record_with_fault(&self, mut entry: JournalEntry, fault: Option<String>) -> u64 {
        let mut state = self.lock();
        let index = state.recorded;
        state.recorded += 1;
        entry.request_index = index;
        if let Some(capacity) = state.capacity {
            if capacity == 0 {
                return index;
            }
            while state.slots.len() >= capacity {
                state.slots.pop_front();
            }
        }
        state.slots.push_back(Slot {
            entry,
            finished: false,
            fault,
            upload: None,
        });
        index
    }

    /// Records that `body_bytes_sent` bytes of the body of request `request_index` have
    /// been handed over so far.
    pub(crate) fn progress(&self, request_index: u64, body_bytes_sent: u64) {
        if let Some(slot) = self.lock().slot_mut(request_index) {
            slot.entry.body_bytes_sent = body_bytes_sent;
        }
    }

    /// Records what was read of the request body of request `request_index`.
    pub(crate) fn record_upload(&self, request_index: u64, upload: UploadRecord) {
        if let Some(slot) = self.lock().slot_mut(request_index) {
            slot.upload = Some(upload);
        }
    }

    /// Records how the body of request `request_index` ended.
    pub(crate) fn finish(&self, request_index: u64, body_bytes_sent: u64, body_complete: bool) {
        if let Some(slot) = self.lock().slot_mut(request_index) {
            slot.entry.body_bytes_sent = body_bytes_sent;
            slot.entry.body_complete = body_complete;
            slot.finished = true;
        }
        self.inner.finished_changed.notify_waiters();
    }

    /// A panic elsewhere while holding the lock leaves the log itself intact, so recover the
    /// guard instead of propagating the poison.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts body bytes for one request and finalises its journal entry when dropped.
///
/// Living inside the response body means it is dropped whether the body ran to the end, the
/// connection failed mid-write, or hyper never polled it at all.
#[derive(Debug)]
pub(crate) struct BodyGuard {
    journal: Journal,
    request_index: u64,
    sent: u64,
    expected: u64,
    finished: bool,
}

impl BodyGuard {
    pub(crate) fn new(journal: Journal, request_index: u64, expected: u64) -> Self {
        BodyGuard {
            journal,
            request_index,
            sent: 0,
            expected,
            finished: false,
        }
    }

    /// Counts `n` more bytes handed over, so the entry shows them at once (a stalled body
    /// shows where it stalled). The entry is finalised as soon as the last byte is, rather
    /// than whenever the body happens to be dropped.
    pub(crate) fn add(&mut self, n: u64) {
        self.sent += n;
        if self.sent >= self.expected {
            self.finish();
        } else {
            self.journal.progress(self.request_index, self.sent);
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.journal
                .finish(self.request_index, self.sent, self.sent == self.expected);
        }
    }
}

impl Drop for BodyGuard {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> JournalEntry {
        JournalEntry {
            request_index: 99,
            connection_id: 0,
            index_on_connection: 0,
            method: "GET".into(),
            path: "/".into(),
            range: None,
            if_range: None,
            if_match: None,
            if_none_match: None,
            accept_encoding: None,
            status: 200,
            body_bytes_sent: 0,
            body_complete: false,
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn guard_finalises_on_drop() {
        let j = Journal::new();
        let a = j.record(entry());
        let b = j.record(entry());
        assert_eq!((a, b), (0, 1));
        let mut g = BodyGuard::new(j.clone(), a, 10);
        g.add(4);
        drop(g);
        let mut g = BodyGuard::new(j.clone(), b, 3);
        g.add(3);
        drop(g);
        let e = j.wait_finished(0).await;
        assert_eq!(
            (e.request_index, e.body_bytes_sent, e.body_complete),
            (0, 4, false)
        );
        let e = j.wait_finished(1).await;
        assert_eq!(
            (e.request_index, e.body_bytes_sent, e.body_complete),
            (1, 3, true)
        );
    }

    #[test]
    fn a_bounded_journal_keeps_the_newest_entries_and_counts_on() {
        let j = Journal::bounded(3);
        let indexes: Vec<u64> = (0..5).map(|_| j.record(entry())).collect();
        assert_eq!(indexes, [0, 1, 2, 3, 4]);
        let kept: Vec<u64> = j.entries().iter().map(|e| e.request_index).collect();
        assert_eq!(kept, [2, 3, 4]);
        assert_eq!((j.len(), j.recorded()), (3, 5));
        j.finish(1, 7, true); // evicted: ignored
        j.finish(3, 7, true);
        assert!(j.entries()[1].body_complete);
        let off = Journal::bounded(0);
        assert_eq!((off.record(entry()), off.record(entry())), (0, 1));
        assert!(off.is_empty());
    }
}
