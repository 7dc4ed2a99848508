//! The history: every event of a run, with its virtual time and who caused it, rendered
//! one line per event. Checks judge runs on it, snapshots record it, and its hash proves
//! determinism. It never contains ports, real paths or wall-clock times.

use crate::action::Action;
use crate::app::{
    AppState, AuthChallenge, AuthDisposition, Queue, TaskKey, UploadMethod, UrlError,
};
use crate::content::hex;
use crate::seed::fnv1a64;
use crate::time::{fmt_duration, SimTime};
use std::fmt;
use std::time::Duration;

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The person holding the phone.
    User,
    /// iOS itself (UIKit, the scheduler).
    System,
    /// The network (reachability changes).
    Net,
    /// The app under test.
    App,
    /// nsurlsessiond.
    Daemon,
    /// An app extension process (a share extension): a scripted second client of the
    /// daemon, not the app under test (ID-5, ID-6).
    Extension,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Actor::User => "user",
            Actor::System => "system",
            Actor::Net => "net",
            Actor::App => "app",
            Actor::Daemon => "daemon",
            Actor::Extension => "ext",
        })
    }
}

/// A callback the system made into the app.
#[derive(Clone, Debug, PartialEq)]
pub enum Callback {
    /// `application(_:didFinishLaunchingWithOptions:)`.
    DidFinishLaunching {
        /// Launched by the system in the background.
        in_background: bool,
        /// The launch options' URL session key.
        session: Option<String>,
    },
    /// `application(_:handleEventsForBackgroundURLSession:completionHandler:)`.
    HandleEvents {
        /// The session identifier.
        session: String,
        /// Which completion handler was handed over.
        handler: u64,
    },
    /// `applicationDidEnterBackground`.
    DidEnterBackground,
    /// `applicationWillEnterForeground`.
    WillEnterForeground,
    /// The user's download request reached the app's UI.
    UserTappedDownload {
        /// The URL.
        url: String,
        /// The destination.
        destination: String,
    },
    /// Another control of the app's UI (pause, resume, sign out...).
    UserCommand(crate::UserCommand),
    /// `urlSession(_:downloadTask:didWriteData:...)`.
    DidWriteData {
        /// The task.
        task: TaskKey,
        /// Bytes since the last call.
        written: u64,
        /// Bytes so far.
        total: u64,
        /// Expected total (-1 unknown).
        expected: i64,
    },
    /// `urlSession(_:downloadTask:didResumeAtOffset:expectedTotalBytes:)`.
    DidResumeAtOffset {
        /// The task.
        task: TaskKey,
        /// Where the transfer resumed.
        offset: u64,
        /// Expected total (-1 unknown).
        expected: i64,
    },
    /// `urlSession(_:downloadTask:didFinishDownloadingTo:)`.
    DidFinishDownloadingTo {
        /// The task.
        task: TaskKey,
        /// The temporary file, valid until the callback returns (FILE-1).
        location: String,
        /// The HTTP status of the response (HTTP-1).
        status: u16,
    },
    /// `urlSession(_:task:didCompleteWithError:)`.
    DidCompleteWithError {
        /// The task.
        task: TaskKey,
        /// None on success (even for a 404: HTTP-1).
        error: Option<UrlError>,
    },
    /// `urlSession(_:didBecomeInvalidWithError:)`.
    DidBecomeInvalid {
        /// The session identifier.
        session: String,
        /// None after INV-1 / INV-2; -996 when another process holds the session (ID-5).
        error: Option<UrlError>,
    },
    /// `urlSessionDidFinishEvents(forBackgroundURLSession:)`.
    DidFinishEvents {
        /// The session identifier.
        session: String,
    },
    /// The completion block of `getAllTasks`.
    GetAllTasks {
        /// The session identifier.
        session: String,
        /// Tasks returned.
        tasks: Vec<TaskKey>,
    },
    /// The completion block of `cancel(byProducingResumeData:)`.
    ResumeDataProduced {
        /// The task.
        task: TaskKey,
        /// Whether there was resume data (RES-2).
        produced: bool,
    },
    /// A block the app dispatched.
    Dispatched {
        /// The app's label for it.
        label: String,
    },
    /// `urlSession(_:task:didSendBodyData:...)` (PROG-3).
    DidSendBodyData {
        /// The task.
        task: TaskKey,
        /// Bytes since the last call.
        sent: u64,
        /// Bytes of this attempt so far.
        total: u64,
        /// Expected total: the file's length, -1 for a stream (PROG-3).
        expected: i64,
    },
    /// `urlSession(_:dataTask:didReceive:)` (API-4, HTTP-3).
    DidReceiveData {
        /// The task.
        task: TaskKey,
        /// How many bytes.
        bytes: u64,
        /// Their FNV-1a 64 hash ([`crate::content::Fnv1a64`]).
        fnv1a64: u64,
    },
    /// The user's upload request reached the app's UI.
    UserTappedUpload {
        /// Where to upload.
        url: String,
        /// How many bytes the user picked.
        size: u64,
        /// Their FNV-1a 64 hash: what the server must receive.
        fnv1a64: u64,
    },
    /// The user's request for a small resource reached the app's UI.
    UserTappedFetch {
        /// The URL.
        url: String,
        /// Where the app should keep it.
        destination: String,
    },
    /// The user paused the transfer of a URL.
    UserTappedSuspendTask {
        /// The URL.
        url: String,
    },
    /// The user resumed the transfer of a URL.
    UserTappedResumeTask {
        /// The URL.
        url: String,
    },
    /// `urlSession(_:task:didReceive:completionHandler:)` (HTTP-4).
    DidReceiveChallenge {
        /// The task.
        task: TaskKey,
        /// The challenge.
        challenge: AuthChallenge,
    },
}

/// A file operation the app made, through the SDK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOp {
    /// Read a file.
    Read,
    /// Wrote a file.
    Write,
    /// FileManager.moveItem.
    Move,
    /// Atomic replace.
    Replace,
    /// FileManager.copyItem.
    Copy,
    /// FileManager.removeItem.
    Remove,
    /// FileManager.fileExists.
    Exists,
    /// createDirectory(withIntermediateDirectories:).
    CreateDir,
    /// contentsOfDirectory.
    List,
    /// attributesOfItem(atPath:)[.size].
    Size,
}

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

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callback::DidFinishLaunching {
                in_background,
                session,
            } => write!(
                f,
                "didFinishLaunching background={in_background} urlSession={}",
                opt(session)
            ),
            Callback::HandleEvents { session, handler } => {
                write!(f, "handleEvents {session} handler=h{handler}")
            }
            Callback::DidEnterBackground => write!(f, "didEnterBackground"),
            Callback::WillEnterForeground => write!(f, "willEnterForeground"),
            Callback::UserTappedDownload { url, destination } => {
                write!(f, "userTappedDownload {url} -> {destination}")
            }
            Callback::UserCommand(command) => write!(f, "user {command}"),
            Callback::DidWriteData {
                task,
                written,
                total,
                expected,
            } => write!(f, "didWriteData {task} +{written} {total}/{expected}"),
            Callback::DidResumeAtOffset {
                task,
                offset,
                expected,
            } => write!(
                f,
                "didResumeAtOffset {task} offset={offset} expected={expected}"
            ),
            Callback::DidFinishDownloadingTo {
                task,
                location,
                status,
            } => write!(
                f,
                "didFinishDownloadingTo {task} status={status} {location}"
            ),
            Callback::DidCompleteWithError { task, error } => match error {
                None => write!(f, "didCompleteWithError {task} nil"),
                Some(e) => write!(f, "didCompleteWithError {task} {e}"),
            },
            Callback::DidFinishEvents { session } => write!(f, "didFinishEvents {session}"),
            Callback::DidBecomeInvalid {
                session,
                error: None,
            } => write!(f, "didBecomeInvalid {session}"),
            Callback::DidBecomeInvalid {
                session,
                error: Some(e),
            } => write!(f, "didBecomeInvalid {session} {e}"),
            Callback::GetAllTasks { session, tasks } => {
                let ids: Vec<String> = tasks.iter().map(|t| format!("#{}", t.task_id)).collect();
                write!(f, "getAllTasks {session} -> [{}]", ids.join(","))
            }
            Callback::ResumeDataProduced { task, produced } => {
                write!(f, "resumeData {task} produced={produced}")
            }
            Callback::Dispatched { label } => write!(f, "block {label}"),
            Callback::DidSendBodyData {
                task,
                sent,
                total,
                expected,
            } => write!(f, "didSendBodyData {task} +{sent} {total}/{expected}"),
            Callback::DidReceiveData {
                task,
                bytes,
                fnv1a64,
            } => write!(
                f,
                "didReceiveData {task} +{bytes} fnv1a64={}",
                hex(*fnv1a64)
            ),
            Callback::UserTappedUpload { url, size, fnv1a64 } => write!(
                f,
                "userTappedUpload {url} size={size} fnv1a64={}",
                hex(*fnv1a64)
            ),
            Callback::UserTappedFetch { url, destination } => {
                write!(f, "userTappedFetch {url} -> {destination}")
            }
            Callback::UserTappedSuspendTask { url } => write!(f, "userTappedSuspendTask {url}"),
            Callback::UserTappedResumeTask { url } => write!(f, "userTappedResumeTask {url}"),
            Callback::DidReceiveChallenge { task, challenge } => {
                write!(f, "didReceiveChallenge {task} {challenge}")
            }
        }
    }
}

impl fmt::Display for FileOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Move => "move",
            FileOp::Replace => "replace",
            FileOp::Copy => "copy",
            FileOp::Remove => "remove",
            FileOp::Exists => "exists",
            FileOp::CreateDir => "mkdir",
            FileOp::List => "list",
            FileOp::Size => "size",
        })
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Step(a) => write!(f, "step {a}"),
            What::Ignored { action, state } => write!(f, "ignored {action} (app {state})"),
            What::IgnoredWhileLocked { action } => write!(f, "ignored {action} (device locked)"),
            What::State { from, to } => write!(f, "state {from} -> {to}"),
            What::Launched { in_background } => {
                write!(f, "process started background={in_background}")
            }
            What::Callback { queue, callback } => write!(f, "[{queue}] {callback}"),
            What::Panicked { message } => write!(f, "PANIC {message}"),
            What::ProcessFailed { reason } => write!(f, "process failed: {reason}"),
            What::Exception { api, reason } => write!(f, "EXCEPTION {api}: {reason}"),
            What::DuplicateSession { session } => write!(
                f,
                "WARNING A background URLSession with identifier {session} already exists!"
            ),
            What::InvalidatedSessionReturned { session } => write!(
                f,
                "session {session} is still being invalidated: the invalidated object is returned"
            ),
            What::SessionCreated {
                session,
                held_events,
            } => write!(f, "session {session} created held-events={held_events}"),
            What::TaskCreated {
                task,
                url,
                from_resume_data,
            } => match from_resume_data {
                None => write!(f, "task {task} created {url}"),
                Some(o) => write!(f, "task {task} created {url} from-resume-data@{o}"),
            },
            What::TaskResumed { task } => write!(f, "task {task} resume"),
            What::TaskDescribed { task, description } => {
                write!(f, "task {task} description={description}")
            }
            What::TaskCancelled {
                task,
                producing_resume_data,
            } => write!(
                f,
                "task {task} cancel producing-resume-data={producing_resume_data}"
            ),
            What::TaskExpectsBytes {
                task,
                property,
                bytes,
            } => write!(f, "task {task} {property}={bytes}"),
            What::TaskBeginsNoEarlier { task, at } => {
                write!(f, "task {task} earliestBeginDate={at}")
            }
            What::GetAllTasks { session } => write!(f, "getAllTasks {session}"),
            What::SessionInvalidated { session, cancel } => {
                write!(f, "session {session} invalidate cancel={cancel}")
            }
            What::HandlerCalled {
                session,
                handler,
                queue,
                count,
            } => write!(
                f,
                "completionHandler h{handler} ({session}) called on {queue} count={count}"
            ),
            What::File {
                op,
                path,
                to,
                error,
            } => {
                write!(f, "fs {op} {path}")?;
                if let Some(to) = to {
                    write!(f, " -> {to}")?;
                }
                match error {
                    None => write!(f, " ok"),
                    Some(e) => write!(f, " FAILED {e}"),
                }
            }
            What::Busy { duration } => write!(f, "busy {}", fmt_duration(*duration)),
            What::Log(s) => write!(f, "log {s}"),
            What::Progress { key, fraction } => write!(f, "progress {key} {fraction:.4}"),
            What::DownloadState { key, state } => write!(f, "download {key} {state}"),
            What::Wake {
                session,
                handler,
                budget,
            } => write!(
                f,
                "wake {session} handler=h{handler} budget={}",
                fmt_duration(*budget)
            ),
            What::WakeBudgetExceeded { session, handler } => {
                write!(
                    f,
                    "wake budget exceeded {session} handler=h{handler} not called"
                )
            }
            What::HandlerNeverCalled { session, handler } => write!(
                f,
                "WARNING completion handler h{handler} ({session}) was never called"
            ),
            What::EventsLost { session, count } => {
                write!(f, "{count} undelivered events of {session} lost")
            }
            What::RequestSent {
                task,
                attempt,
                range,
                if_range,
            } => write!(
                f,
                "GET {task} attempt={attempt} range={} if-range={}",
                opt(range),
                opt(if_range)
            ),
            What::Response {
                task,
                status,
                content_length,
            } => write!(
                f,
                "response {task} {status} content-length={content_length}"
            ),
            What::Interrupted {
                task,
                bytes,
                reason,
            } => write!(f, "interrupted {task} at {bytes} bytes: {reason}"),
            What::Stalled { task, bytes } => {
                write!(f, "stalled {task} after {bytes} bytes: no data")
            }
            What::StallOver { task, after } => {
                write!(f, "data flows again {task} after {}", fmt_duration(*after))
            }
            What::RequestTimedOut { task, bytes, after } => write!(
                f,
                "request timed out {task} after {} at {bytes} bytes (-1001)",
                fmt_duration(*after)
            ),
            What::Decoded {
                task,
                encoding,
                encoded,
                decoded,
            } => write!(
                f,
                "decoded {task} {encoding}: {encoded} bytes received, {decoded} bytes of content"
            ),
            What::Redirected { task, status, to } => {
                write!(f, "redirect {task} {status} -> {to}")
            }
            What::Waiting { task, reason } => write!(f, "waiting {task}: {reason}"),
            What::Downloaded {
                task,
                status,
                bytes,
            } => write!(f, "downloaded {task} status={status} bytes={bytes}"),
            What::Failed { task, error } => write!(f, "failed {task} {error}"),
            What::TempDeleted {
                task,
                path,
                deleted: true,
            } => write!(f, "temp file of {task} deleted {path}"),
            What::TempDeleted { task, path, .. } => {
                write!(f, "temp file of {task} gone (moved by the app) {path}")
            }
            What::RateLimiter { delay } if delay.is_zero() => write!(f, "rate limiter delay reset"),
            What::RateLimiter { delay } => {
                write!(f, "rate limiter delay set to {}", fmt_duration(*delay))
            }
            What::ContainerMoved { root } => write!(f, "container moved to {root}"),
            What::InvalidationLost { session } => write!(
                f,
                "session {session} invalidated; didBecomeInvalid lost (INV-3 knob)"
            ),
            What::TmpPurged { files } if files.is_empty() => write!(f, "tmp/ purged: empty"),
            What::TmpPurged { files } => write!(f, "tmp/ purged: {}", files.join(", ")),
            What::ResumeBytesGone { task, bytes } => write!(
                f,
                "resume data of {task} keeps {bytes} bytes that are gone: starting from 0"
            ),
            What::ResumeBytesLost { task, bytes } => write!(
                f,
                "resume data of {task} keeps {bytes} bytes that are gone: asking for the rest all the same"
            ),
            What::Network { up } => write!(f, "network {}", if *up { "up" } else { "down" }),
            What::UploadTaskCreated {
                task,
                url,
                method,
                file,
            } => match file {
                Some(file) => write!(f, "upload task {task} created {method} {url} from {file}"),
                None => write!(f, "upload task {task} created {method} {url} from a stream"),
            },
            What::DataTaskCreated { task, url } => write!(f, "data task {task} created {url}"),
            What::TaskSuspended { task } => write!(f, "task {task} suspend"),
            What::Paused {
                task,
                kept,
                timeout_left,
            } => {
                write!(f, "paused {task} keeping {kept} bytes")?;
                match timeout_left {
                    Some(d) => write!(f, "; resource timeout frozen at {}", fmt_duration(*d)),
                    None => Ok(()),
                }
            }
            What::UploadFileRead {
                task,
                path,
                bytes,
                fnv1a64,
            } => write!(
                f,
                "upload file of {task} copied {path} bytes={bytes} fnv1a64={}",
                hex(*fnv1a64)
            ),
            What::UploadRequestSent {
                task,
                attempt,
                method,
                content_length,
            } => write!(
                f,
                "{method} {task} attempt={attempt} content-length={content_length}"
            ),
            What::Uploaded {
                task,
                status,
                sent,
                received,
            } => write!(
                f,
                "uploaded {task} status={status} sent={sent} received={received}"
            ),
            What::Fetched {
                task,
                status,
                bytes,
            } => write!(f, "fetched {task} status={status} bytes={bytes}"),
            What::SessionRefused { session, error } => write!(
                f,
                "session {session} refused: another process holds it ({error})"
            ),
            What::ExtensionSession {
                session,
                outcome: Ok(held),
            } => write!(
                f,
                "extension session {session} connected held-events={held}"
            ),
            What::ExtensionSession {
                session,
                outcome: Err(e),
            } => write!(f, "extension session {session} invalid: {e}"),
            What::ExtensionDownload {
                task: Some(task),
                url,
                to,
            } => write!(f, "extension task {task} created {url} -> {to}; resumed"),
            What::ExtensionDownload {
                task: None, url, ..
            } => {
                write!(f, "extension could not start {url}: its session is invalid")
            }
            What::ExtensionGot(callback) => write!(f, "extension got {callback}"),
            What::ExtensionMoved { task, to, error } => {
                write!(f, "extension moved the file of {task} to {to}")?;
                match error {
                    None => write!(f, " ok"),
                    Some(e) => write!(f, " FAILED {e}"),
                }
            }
            What::ExtensionExited { session: Some(s) } => {
                write!(f, "extension exited; session {s} is free")
            }
            What::ExtensionExited { session: None } => write!(f, "extension exited"),
            What::Challenged { task, challenge } => {
                write!(f, "challenge {task} {challenge}: held for the app's answer")
            }
            What::ChallengeAnswered { task, disposition } => {
                write!(f, "challenge {task} answered {disposition}")
            }
            What::ChallengeUnanswered { task, reason } => {
                write!(f, "challenge {task} never answered: {reason}")
            }
            What::AuthorizationSent { task, user } => {
                write!(f, "authorization {task} Basic user={user}")
            }
        }
    }
}

/// One event of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Position in the history, from 0.
    pub seq: usize,
    /// When it happened.
    pub at: SimTime,
    /// Who did it.
    pub actor: Actor,
    /// What happened.
    pub what: What,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{:<4} {} {:<6} {}",
            self.seq, self.at, self.actor, self.what
        )
    }
}

/// The recorded history of a run.
#[derive(Clone, Debug, Default)]
pub struct History {
    records: Vec<Record>,
}

impl History {
    /// Appends an event.
    pub fn push(&mut self, at: SimTime, actor: Actor, what: What) {
        let seq = self.records.len();
        self.records.push(Record {
            seq,
            at,
            actor,
            what,
        });
    }

    /// All events, in order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The history, one line per event.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.records {
            out.push_str(&r.to_string());
            out.push('\n');
        }
        out
    }

    /// A stable 64-bit hash of the rendered history: equal hashes, equal runs.
    pub fn hash(&self) -> u64 {
        fnv1a64(self.render().as_bytes())
    }
}
