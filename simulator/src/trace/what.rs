//! What happened: one variant per kind of event of the history.

use super::{Callback, FileOp};
use crate::action::Action;
use crate::app::{
    AppState, AuthChallenge, AuthDisposition, Queue, TaskKey, UploadMethod, UrlError,
};
use crate::time::SimTime;
use std::time::Duration;

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// A timeline step was applied.
    Step(Action),
    /// A timeline step did not apply in the app's state (recorded, not rejected).
    Ignored {
        /// The step.
        action: Action,
        /// The state it met.
        state: AppState,
    },
    /// The user could not bring the app to the foreground: the device is locked.
    IgnoredWhileLocked {
        /// The step (`launch` or `foreground`).
        action: Action,
    },
    /// The app process changed state.
    State {
        /// Before.
        from: AppState,
        /// After.
        to: AppState,
    },
    /// A new process was started from the app's factory.
    Launched {
        /// By the system, in the background (LC-3).
        in_background: bool,
    },
    /// The system made a callback into the app, on `queue`.
    Callback {
        /// The queue it ran on.
        queue: Queue,
        /// Which callback.
        callback: Callback,
    },
    /// The app panicked inside a callback: treated as a crash.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The app's process broke down in a way no iOS app can (an app in another language
    /// broke the app protocol: a malformed line, an unknown call, an exit, no answer in
    /// time): treated as a crash, and judged by its own check.
    ProcessFailed {
        /// What went wrong, in one sentence.
        reason: String,
    },
    /// An SDK call iOS refuses with an exception.
    Exception {
        /// The API called.
        api: &'static str,
        /// The exception text.
        reason: String,
    },
    /// ID-3/ID-4: a second session with a live identifier in one process.
    DuplicateSession {
        /// The identifier.
        session: String,
    },
    /// INV-2 / ID-4: the app re-created a session whose invalidation had not completed
    /// and got the invalidated object back; any task it creates raises.
    InvalidatedSessionReturned {
        /// The identifier.
        session: String,
    },
    /// The app created a session object; the daemon connected it (ID-2).
    SessionCreated {
        /// The identifier.
        session: String,
        /// Events held by the daemon, now flowing (ORD-7).
        held_events: usize,
    },
    /// The app created a download task.
    TaskCreated {
        /// The task.
        task: TaskKey,
        /// Its URL.
        url: String,
        /// Offset in the resume data it was created from, if any.
        from_resume_data: Option<u64>,
    },
    /// `task.resume()`.
    TaskResumed {
        /// The task.
        task: TaskKey,
    },
    /// `task.taskDescription = ...`.
    TaskDescribed {
        /// The task.
        task: TaskKey,
        /// The description.
        description: String,
    },
    /// `task.earliestBeginDate = at` (SCHED-3).
    TaskBeginsNoEarlier {
        /// The task.
        task: TaskKey,
        /// The earliest begin date.
        at: SimTime,
    },
    /// SCHED-4: the app set `countOfBytesClientExpectsToReceive` or `...ToSend`.
    TaskExpectsBytes {
        /// The task.
        task: TaskKey,
        /// The property set.
        property: &'static str,
        /// The value (-1: NSURLSessionTransferSizeUnknown).
        bytes: i64,
    },
    /// `task.cancel()` / `cancel(byProducingResumeData:)`.
    TaskCancelled {
        /// The task.
        task: TaskKey,
        /// Whether resume data was requested.
        producing_resume_data: bool,
    },
    /// `getAllTasks` was called.
    GetAllTasks {
        /// The session.
        session: String,
    },
    /// `finishTasksAndInvalidate` / `invalidateAndCancel`.
    SessionInvalidated {
        /// The session.
        session: String,
        /// Whether outstanding tasks were cancelled.
        cancel: bool,
    },
    /// The app called a `handleEvents` completion handler.
    HandlerCalled {
        /// The session it belongs to.
        session: String,
        /// Which handler.
        handler: u64,
        /// The queue it was called on (CH-2: must be main).
        queue: Queue,
        /// How many times it has now been called (CH-5).
        count: u32,
    },
    /// OS-6: the app's async `handleEvents` returned (on the main actor): the wake's work
    /// is over, as when a completion handler is called.
    HandleEventsReturned {
        /// The session it was called for.
        session: String,
        /// The wake's handler it stands for.
        handler: u64,
        /// How many times it has now returned: more than once is a continuation resumed
        /// twice (CH-5).
        count: u32,
    },
    /// A file operation.
    File {
        /// The operation.
        op: FileOp,
        /// The path (container-relative when under the container).
        path: String,
        /// The second path of a move, replace or copy.
        to: Option<String>,
        /// None when it succeeded, else the failure.
        error: Option<String>,
    },
    /// The app blocked its thread for a while (synchronous work).
    Busy {
        /// How long.
        duration: Duration,
    },
    /// A line the app printed.
    Log(String),
    /// Progress the app shows for one of its downloads.
    Progress {
        /// The app's key for the download.
        key: String,
        /// The fraction shown (may be wrong: that is what checks look for).
        fraction: f64,
    },
    /// The app's own state for one of its downloads.
    DownloadState {
        /// The app's key for the download.
        key: String,
        /// The state, in the app's words (`done`, `failed`, `paused`, ...).
        state: String,
    },
    /// Where iOS promises no order, the seed chose one (`interleavings = "seeded"`, or
    /// `wake_policy = "seeded"`).
    Chose {
        /// The rule that leaves the choice open (`ORD-5`).
        rule: &'static str,
        /// What was chosen, in words.
        choice: String,
    },
    /// The system woke or relaunched the app for a session's events (LC-2, LC-3).
    Wake {
        /// The session.
        session: String,
        /// The handler handed over.
        handler: u64,
        /// The time the app has (LC-10).
        budget: Duration,
    },
    /// The wake ran out of time (LC-10): the app is killed.
    WakeBudgetExceeded {
        /// The session.
        session: String,
        /// The handler never called in time.
        handler: u64,
    },
    /// CH-4: a handler was released without being called.
    HandlerNeverCalled {
        /// The session.
        session: String,
        /// The handler.
        handler: u64,
    },
    /// Delegate events were dropped with a dying process (FILE-5).
    EventsLost {
        /// The session.
        session: String,
        /// How many.
        count: usize,
    },
    /// The daemon sent a request.
    RequestSent {
        /// The task.
        task: TaskKey,
        /// Attempt number, from 1.
        attempt: u32,
        /// The Range header, if any.
        range: Option<String>,
        /// The If-Range header, if any.
        if_range: Option<String>,
    },
    /// The daemon got response headers.
    Response {
        /// The task.
        task: TaskKey,
        /// The status.
        status: u16,
        /// Content-Length (-1 none).
        content_length: i64,
    },
    /// A transfer stopped before its end (network loss, connection cut).
    Interrupted {
        /// The task.
        task: TaskKey,
        /// Bytes of the body held so far.
        bytes: u64,
        /// Why.
        reason: String,
    },
    /// NET-2: the server stopped sending mid-body; the request's idle timer runs.
    Stalled {
        /// The task.
        task: TaskKey,
        /// Bytes of the body held so far.
        bytes: u64,
    },
    /// NET-2: data flows again after a stall shorter than the request timeout.
    StallOver {
        /// The task.
        task: TaskKey,
        /// How long nothing came.
        after: Duration,
    },
    /// NET-2: no data for `timeoutIntervalForRequest`: the attempt fails inside the daemon
    /// with -1001 (a background session retries it; the app is not told).
    RequestTimedOut {
        /// The task.
        task: TaskKey,
        /// Bytes of the body held so far.
        bytes: u64,
        /// The request timeout that ran out.
        after: Duration,
    },
    /// The body came with a Content-Encoding and was decoded whole into the file handed
    /// to the app.
    Decoded {
        /// The task.
        task: TaskKey,
        /// The content coding (`gzip`).
        encoding: String,
        /// Bytes received (encoded).
        encoded: u64,
        /// Bytes of the decoded file.
        decoded: u64,
    },
    /// NET-7: the daemon followed a redirect.
    Redirected {
        /// The task.
        task: TaskKey,
        /// The 3xx status.
        status: u16,
        /// The new URL.
        to: String,
    },
    /// The task waits (no connectivity, NET-1; or a retry backoff).
    Waiting {
        /// The task.
        task: TaskKey,
        /// Why.
        reason: String,
    },
    /// The whole body arrived.
    Downloaded {
        /// The task.
        task: TaskKey,
        /// The status.
        status: u16,
        /// Body bytes.
        bytes: u64,
    },
    /// The task ended with an error.
    Failed {
        /// The task.
        task: TaskKey,
        /// The error.
        error: UrlError,
    },
    /// FILE-1: did-finish-downloading-to returned, so its location is gone from now on.
    TempDeleted {
        /// The task.
        task: TaskKey,
        /// The file.
        path: String,
        /// True if the file was still there and the daemon deleted it; false if the app
        /// had moved it away.
        deleted: bool,
    },
    /// RATE-1: the resume rate limiter's delay changed (0: reset).
    RateLimiter {
        /// The new delay.
        delay: Duration,
    },
    /// The container moved to a new absolute root (TF-07).
    ContainerMoved {
        /// The new root.
        root: String,
    },
    /// OS-3: the app was deleted and installed again: its container is empty, at a new
    /// root, and the daemon forgot its sessions and tasks.
    Reinstalled {
        /// The new root.
        root: String,
        /// How many files the old container held.
        files_removed: usize,
        /// How many of the old tasks had not completed: they are gone, never delivered.
        tasks_dropped: usize,
    },
    /// INV-3 knob: did-become-invalid of `session` is never delivered.
    InvalidationLost {
        /// The session.
        session: String,
    },
    /// The system freed disk space: the app's tmp/ was emptied (RES-1 condition 5).
    TmpPurged {
        /// The files deleted, container paths, sorted.
        files: Vec<String>,
    },
    /// A task made from resume data whose kept bytes are gone (purged, RES-1): it starts
    /// from byte 0.
    ResumeBytesGone {
        /// The new task.
        task: TaskKey,
        /// The bytes the resume data said were kept.
        bytes: u64,
    },
    /// RES-6 knob: the kept bytes of a resume were purged, yet the rest is asked for, and
    /// the file will hold only the rest.
    ResumeBytesLost {
        /// The new task.
        task: TaskKey,
        /// The bytes the resume data said were kept.
        bytes: u64,
    },
    /// Connectivity changed.
    Network {
        /// Up or down.
        up: bool,
    },
    /// The app created an upload task (API-1) or a streamed upload (API-6).
    UploadTaskCreated {
        /// The task.
        task: TaskKey,
        /// Its URL.
        url: String,
        /// PUT or POST.
        method: UploadMethod,
        /// The file it uploads; None for a streamed body.
        file: Option<String>,
    },
    /// The app created a data task (API-4).
    DataTaskCreated {
        /// The task.
        task: TaskKey,
        /// Its URL.
        url: String,
    },
    /// `task.suspend()` (API-7).
    TaskSuspended {
        /// The task.
        task: TaskKey,
    },
    /// API-7: the daemon stopped a task the app suspended: no traffic, no timers.
    Paused {
        /// The task.
        task: TaskKey,
        /// Bytes kept: the downloaded bytes of a download; 0 for other kinds, which start
        /// over when resumed.
        kept: u64,
        /// What was left of the resource timeout (NET-3), now frozen.
        timeout_left: Option<Duration>,
    },
    /// The daemon took its copy of an upload's file, at `resume()`.
    UploadFileRead {
        /// The task.
        task: TaskKey,
        /// The container path.
        path: String,
        /// Its length.
        bytes: u64,
        /// Its FNV-1a 64 hash.
        fnv1a64: u64,
    },
    /// The daemon sent an upload request; the body follows as the bandwidth allows.
    UploadRequestSent {
        /// The task.
        task: TaskKey,
        /// Attempt number, from 1: every attempt sends the whole body (NET-2).
        attempt: u32,
        /// PUT or POST.
        method: UploadMethod,
        /// The Content-Length sent; -1 for a chunked (streamed) body.
        content_length: i64,
    },
    /// An upload's response ended: the task completes without error (HTTP-1).
    Uploaded {
        /// The task.
        task: TaskKey,
        /// The status.
        status: u16,
        /// Request body bytes sent.
        sent: u64,
        /// Response body bytes received.
        received: u64,
    },
    /// ID-5: the app's session was refused because another process (an app extension)
    /// holds its identifier; its delegate gets did-become-invalid with `error` (-996).
    SessionRefused {
        /// The identifier.
        session: String,
        /// The error (-996).
        error: UrlError,
    },
    /// ID-5 / ID-6: the app extension connected a session (`Ok`: events held for it, now
    /// flowing to the extension), or its session was invalid at once (`Err`: -995 without
    /// a shared container, -996 while the app holds it).
    ExtensionSession {
        /// The identifier.
        session: String,
        /// Held events now delivered to the extension, or the error.
        outcome: Result<usize, UrlError>,
    },
    /// The app extension started a download (`task`), or could not (None: its session is
    /// invalid, ID-5 / ID-6).
    ExtensionDownload {
        /// The task it created and resumed.
        task: Option<TaskKey>,
        /// Its URL.
        url: String,
        /// Where the extension puts the file (in the shared container).
        to: String,
    },
    /// A delegate callback the daemon made into the app extension, which holds the session.
    ExtensionGot(Callback),
    /// The app extension moved a finished download to its destination, inside its
    /// did-finish-downloading-to.
    ExtensionMoved {
        /// The task.
        task: TaskKey,
        /// The destination.
        to: String,
        /// None when it succeeded, else the failure.
        error: Option<String>,
    },
    /// The app extension process ended: its session is free again (ID-5).
    ExtensionExited {
        /// The session it held, if any.
        session: Option<String>,
    },
    /// A data task's response ended (API-4).
    Fetched {
        /// The task.
        task: TaskKey,
        /// The status.
        status: u16,
        /// Response body bytes.
        bytes: u64,
    },
    /// HTTP-4: a 401 carried a challenge; the daemon holds the response and asks the app.
    Challenged {
        /// The task.
        task: TaskKey,
        /// The challenge.
        challenge: AuthChallenge,
    },
    /// HTTP-4: the app called a challenge's completion handler.
    ChallengeAnswered {
        /// The task.
        task: TaskKey,
        /// The answer (the password is never shown).
        disposition: AuthDisposition,
    },
    /// HTTP-4: the daemon gave up waiting for the answer to a challenge.
    ChallengeUnanswered {
        /// The task.
        task: TaskKey,
        /// Why no answer can come.
        reason: String,
    },
    /// HTTP-4: the next request of a task carries the credential the app gave.
    AuthorizationSent {
        /// The task.
        task: TaskKey,
        /// The user of the `Basic` credential.
        user: String,
    },
}
