//! A download task as the daemon owns it: the authoritative state that outlives the app.

use super::transfer::{Head, Transfer, Url};
use crate::app::{HttpResponse, TaskInfo, TaskKey, TaskState, UrlError};
use std::time::Duration;

/// Where a task is in its life.
pub(crate) enum Phase {
    /// Created, not resumed yet.
    Suspended,
    /// Resumed; an attempt is scheduled (after a backoff, or when the network returns).
    Waiting,
    /// Request sent; headers arrive after the round trips.
    Connecting(Box<(Head, Transfer)>),
    /// Sending the request body of an upload (API-1, API-6), as the bandwidth allows.
    Sending(Box<super::upload::Sending>),
    /// Receiving the body.
    Receiving(Box<Transfer>),
    /// HTTP-4: a 401 challenge waits for the app's answer; its response is kept in case
    /// the answer makes it the task's response.
    Challenged(Box<(Head, Transfer)>),
    /// Finished or failed. The temp file waits for delivery of did-finish-downloading-to.
    Completed,
}

/// The validators and range support seen on the task's first response (RES-1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub accept_ranges: bool,
}

impl Validators {
    /// RES-1 (3, 4): a validator to send in If-Range, and byte-range support.
    pub fn allow_resume(&self) -> bool {
        self.accept_ranges && (self.strong_etag().is_some() || self.last_modified.is_some())
    }

    fn strong_etag(&self) -> Option<&str> {
        self.etag.as_deref().filter(|e| !e.starts_with("W/"))
    }

    /// The If-Range value: the strong ETag, else Last-Modified (QA1761).
    pub fn if_range(&self) -> Option<String> {
        self.strong_etag()
            .map(str::to_string)
            .or_else(|| self.last_modified.clone())
    }
}

pub(crate) struct Task {
    pub key: TaskKey,
    pub url: Url,
    pub original_url: String,
    /// `currentRequest.url`: changes with redirects (NET-7).
    pub current_url: String,
    /// Redirects followed since the last final response (NET-7: at most 16).
    pub redirects: Vec<String>,
    /// SCHED-3: `earliestBeginDate`.
    pub earliest_begin: Option<crate::time::SimTime>,
    /// SCHED-4: `countOfBytesClientExpectsToReceive` (-1: unknown).
    pub expects_to_receive_bytes: i64,
    /// SCHED-4: `countOfBytesClientExpectsToSend` (-1: unknown).
    pub expects_to_send_bytes: i64,
    pub description: Option<String>,
    pub phase: Phase,
    /// Bumped whenever scheduled events for this task become stale.
    pub epoch: u64,
    pub attempt: u32,
    pub backoff: Duration,
    pub bytes_received: u64,
    pub expected: i64,
    pub response: Option<HttpResponse>,
    pub validators: Option<Validators>,
    /// The Content-Encoding of the body being received (`gzip`): the temp file holds
    /// encoded bytes until the body is complete.
    pub content_encoding: Option<String>,
    /// The temp file (container path), written as bytes arrive.
    pub temp_path: String,
    /// ORD-3: the offset to announce with did-resume-at-offset, for a task created from
    /// resume data, once its first response tells whether the bytes can be reused.
    pub announce_resume: bool,
    /// SCHED-1 / SCHED-2: starts only when the device allows discretionary work.
    pub discretionary: bool,
    /// Held back by the concurrency cap: starts when a transfer ends.
    pub capped: bool,
    /// RATE-1: not before this instant.
    pub not_before: crate::time::SimTime,
    /// The task fails with this code when resumed: bad URL (NET-8), unreadable resume data (RES-6).
    pub fail_on_resume: Option<i64>,
    pub error: Option<UrlError>,
    /// Whether the app has been handed did-complete-with-error (TID-4).
    pub completion_delivered: bool,
    /// The task's kind and what only uploads, data tasks and suspended tasks need.
    pub ext: super::upload::TaskExt,
    /// HTTP-4: the credential the app gave and the challenge waiting for an answer.
    pub auth: super::auth::AuthState,
}

impl Task {
    pub fn is_completed(&self) -> bool {
        matches!(self.phase, Phase::Completed)
    }

    /// Sending or receiving bytes now: takes a share of the bandwidth at each step. A
    /// stalled response does not (NET-2).
    pub fn is_moving(&self) -> bool {
        match &self.phase {
            Phase::Sending(_) => true,
            Phase::Receiving(transfer) => transfer.stalled_since.is_none(),
            _ => false,
        }
    }

    pub fn info(&self) -> TaskInfo {
        TaskInfo {
            key: self.key.clone(),
            original_url: self.original_url.clone(),
            current_url: self.current_url.clone(),
            task_description: self.description.clone(),
            state: match self.phase {
                Phase::Suspended => TaskState::Suspended,
                Phase::Completed => TaskState::Completed,
                _ => TaskState::Running,
            },
            response: self.response.clone(),
            bytes_received: self.bytes_received,
            bytes_expected: self.expected,
            kind: self.ext.kind.clone(),
            bytes_sent: self.ext.bytes_sent,
            bytes_expected_to_send: self.ext.expected_to_send,
        }
    }
}
