//! Value types of the SDK surface: what Foundation and UIKit hand to an app.

use std::fmt;
use std::time::Duration;

/// The dispatch queue code runs on. Delegate callbacks run on their session's delegate
/// queue (ID-8); UIKit calls and UI work run on the main queue (CH-2).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Queue {
    /// The main thread.
    Main,
    /// The serial delegate queue of the background session with this identifier.
    Delegate(String),
    /// A global background queue (modelled as one serial queue).
    Background,
}

impl fmt::Display for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Queue::Main => write!(f, "main"),
            Queue::Delegate(id) => write!(f, "delegate({id})"),
            Queue::Background => write!(f, "background"),
        }
    }
}

/// `URLSessionConfiguration.background(withIdentifier:)` and the fields bgsim models.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionConfig {
    /// The session identifier; events are keyed by it across launches (ID-2).
    pub identifier: String,
    /// LC-7: whether the system may wake or relaunch the app for this session.
    pub sends_launch_events: bool,
    /// SCHED-1: `isDiscretionary`.
    pub discretionary: bool,
    /// NET-2: `timeoutIntervalForRequest` (None: the profile's default, 60 s).
    pub request_timeout: Option<Duration>,
    /// NET-3: `timeoutIntervalForResource` (None: the profile's default, 7 days).
    pub resource_timeout: Option<Duration>,
    /// SCHED-5: `allowsCellularAccess`.
    pub allows_cellular_access: bool,
    /// SCHED-5: `allowsExpensiveNetworkAccess` (cellular counts as expensive).
    pub allows_expensive_network_access: bool,
    /// SCHED-5: `allowsConstrainedNetworkAccess` (Low Data Mode).
    pub allows_constrained_network_access: bool,
}

impl SessionConfig {
    /// A background configuration with iOS's defaults.
    pub fn background(identifier: impl Into<String>) -> SessionConfig {
        SessionConfig {
            identifier: identifier.into(),
            sends_launch_events: true,
            discretionary: false,
            request_timeout: None,
            resource_timeout: None,
            allows_cellular_access: true,
            allows_expensive_network_access: true,
            allows_constrained_network_access: true,
        }
    }
}

/// What `didFinishLaunchingWithOptions` receives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// True when the system launched the app in the background (LC-3).
    pub in_background: bool,
    /// `UIApplicationLaunchOptionsURLSessionKey`: the session that caused the launch.
    pub url_session_identifier: Option<String>,
}

/// The app-side handle of a session object created in this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionHandle(pub(crate) usize);

/// A task, addressed the way iOS does: by session identifier and task identifier (TID-1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskKey {
    /// The session identifier.
    pub session: String,
    /// `taskIdentifier`, unique within the session only.
    pub task_id: u64,
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.session, self.task_id)
    }
}

/// `URLSessionTask.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Created and not resumed, or suspended.
    Suspended,
    /// Resumed; transferring or waiting for connectivity.
    Running,
    /// Being cancelled.
    Canceling,
    /// Finished, failed or cancelled (KILL-3: a cancelled task is `.completed` too).
    Completed,
}

/// `HTTPURLResponse`, reduced to what apps read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code. HTTP-1: a 404 is a response, not an error.
    pub status: u16,
    /// `expectedContentLength`: -1 when the server sent no Content-Length (PROG-2).
    pub expected_content_length: i64,
    /// The ETag header, if any.
    pub etag: Option<String>,
    /// The Last-Modified header, if any.
    pub last_modified: Option<String>,
    /// The Retry-After header, verbatim (503, 429).
    pub retry_after: Option<String>,
    /// The Date header, verbatim: what a Retry-After in HTTP-date form counts from.
    pub date: Option<String>,
    /// The Content-Encoding header, if any: lengths then count encoded bytes, while the
    /// file holds the decoded content (PROG-2).
    pub content_encoding: Option<String>,
}

/// A snapshot of a task as the app sees it. Objects are new after a relaunch but the
/// identifier, the requests and the description carry over (TID-2).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInfo {
    /// Where the task lives.
    pub key: TaskKey,
    /// `originalRequest.url`.
    pub original_url: String,
    /// `currentRequest.url` (differs after redirects, NET-7).
    pub current_url: String,
    /// `taskDescription`, which apps use to find their own record (TID-3).
    pub task_description: Option<String>,
    /// `state`.
    pub state: TaskState,
    /// `response`, once headers arrived.
    pub response: Option<HttpResponse>,
    /// `countOfBytesReceived`.
    pub bytes_received: u64,
    /// `countOfBytesExpectedToReceive` (-1 when unknown).
    pub bytes_expected: i64,
    /// What kind of task it is (API-1).
    pub kind: TaskKind,
    /// `countOfBytesSent`: request body bytes sent in the current attempt.
    pub bytes_sent: u64,
    /// `countOfBytesExpectedToSend` (PROG-3): the file's length for an upload from a file,
    /// -1 for a streamed body, 0 without a body.
    pub bytes_expected_to_send: i64,
}

/// The kinds of task a background session can hold (API-1). Only downloads and uploads
/// from a file belong to the daemon; the others live and die with the app process (API-4,
/// API-6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TaskKind {
    /// `downloadTask(with:)`: the daemon writes the body to a temporary file.
    #[default]
    Download,
    /// `uploadTask(with:fromFile:)`: the daemon sends a copy of the file it takes at
    /// `resume()` (assumption, see `daemon/upload.rs`).
    Upload {
        /// PUT or POST.
        method: UploadMethod,
        /// The container path of the file.
        file: String,
    },
    /// `uploadTask(withStreamedRequest:)` (API-6): the body comes from the app's stream, so
    /// the task is bound to the app process like a data task.
    StreamedUpload {
        /// PUT or POST.
        method: UploadMethod,
    },
    /// `dataTask(with:)` (API-4): the body arrives through didReceiveData; bound to the app
    /// process.
    Data,
}

impl TaskKind {
    /// True for the kinds that die with the app process: data tasks (API-4) and streamed
    /// uploads (API-6).
    pub fn process_bound(&self) -> bool {
        matches!(self, TaskKind::Data | TaskKind::StreamedUpload { .. })
    }

    /// True for downloads: the only kind that can continue where it stopped (API-7, RES-1).
    pub fn is_download(&self) -> bool {
        *self == TaskKind::Download
    }
}

/// The HTTP method of an upload task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UploadMethod {
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
}

impl UploadMethod {
    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadMethod::Put => "PUT",
            UploadMethod::Post => "POST",
        }
    }
}

impl fmt::Display for UploadMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `NSURLErrorBackgroundTaskCancelledReasonKey` values (KILL-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    /// 0: the user force-quit the app.
    UserForceQuitApplication = 0,
    /// 1: Background App Refresh is off.
    BackgroundUpdatesDisabled = 1,
    /// 2: the system lacked resources.
    InsufficientSystemResources = 2,
}

/// Opaque resume data (RES-7). Apps store and return it; they must not parse it.
#[derive(Clone, PartialEq, Eq)]
pub struct ResumeData(pub(crate) Vec<u8>);

impl ResumeData {
    /// The bytes to persist.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Rebuilds resume data from persisted bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> ResumeData {
        ResumeData(bytes)
    }
}

impl fmt::Debug for ResumeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResumeData({} bytes)", self.0.len())
    }
}

/// An `NSError` in `NSURLErrorDomain`, as delivered to `didCompleteWithError`.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlError {
    /// The code: -999 cancelled, -1001 timed out, -1005 connection lost, ...
    pub code: i64,
    /// KILL-4: present only when the system cancelled the task.
    pub cancel_reason: Option<CancelReason>,
    /// RES-3: `NSURLSessionDownloadTaskResumeData`, when the download can resume.
    pub resume_data: Option<ResumeData>,
}

impl UrlError {
    /// An error with `code` alone: no cancel reason, no resume data.
    pub fn new(code: i64) -> UrlError {
        UrlError {
            code,
            cancel_reason: None,
            resume_data: None,
        }
    }

    /// NSURLErrorCancelled.
    pub const CANCELLED: i64 = -999;
    /// NSURLErrorTimedOut.
    pub const TIMED_OUT: i64 = -1001;
    /// NSURLErrorNetworkConnectionLost.
    pub const NETWORK_CONNECTION_LOST: i64 = -1005;
    /// NSURLErrorCannotWriteToFile (RES-6: invalid resume data).
    pub const CANNOT_WRITE_TO_FILE: i64 = -3003;
    /// NSURLErrorUnsupportedURL (NET-8).
    pub const UNSUPPORTED_URL: i64 = -1002;
    /// NSURLErrorHTTPTooManyRedirects: a loop, or more than 16 (NET-7).
    pub const HTTP_TOO_MANY_REDIRECTS: i64 = -1007;
    /// NSURLErrorRedirectToNonExistentLocation: a 3xx without Location.
    pub const REDIRECT_TO_NON_EXISTENT_LOCATION: i64 = -1010;
    /// NSURLErrorCannotDecodeRawData: a body in a known content coding (gzip) that does not
    /// decode (docs/http.md#error-codes).
    pub const CANNOT_DECODE_RAW_DATA: i64 = -1015;
    /// NSURLErrorCannotDecodeContentData: a body in a content coding the daemon cannot
    /// decode.
    pub const CANNOT_DECODE_CONTENT_DATA: i64 = -1016;
    /// NSURLErrorFileDoesNotExist: the file of an upload task is missing at `resume()`.
    pub const FILE_DOES_NOT_EXIST: i64 = -1100;
    /// NSURLErrorUserCancelledAuthentication: the default code of a task whose
    /// authentication challenge the app never answered (HTTP-4; undocumented, a profile knob).
    pub const USER_CANCELLED_AUTHENTICATION: i64 = -1012;
    /// NSURLErrorBackgroundSessionWasDisconnected: "Lost connection to background transfer
    /// service", the end of a data task or streamed upload when its app stops (API-4, API-6).
    pub const BACKGROUND_SESSION_WAS_DISCONNECTED: i64 = -997;
    /// NSURLErrorBackgroundSessionInUseByAnotherProcess: another process (an app extension,
    /// or the app) is connected to the session's identifier (ID-5).
    pub const BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS: i64 = -996;
    /// NSURLErrorBackgroundSessionRequiresSharedContainer: an app extension's background
    /// configuration has no `sharedContainerIdentifier` (ID-6).
    pub const BACKGROUND_SESSION_REQUIRES_SHARED_CONTAINER: i64 = -995;

    /// The error's short name, for histories and messages.
    pub fn name(&self) -> &'static str {
        match self.code {
            -999 => "cancelled",
            -1001 => "timed-out",
            -1002 => "unsupported-url",
            -1004 => "cannot-connect",
            -1005 => "connection-lost",
            -1007 => "too-many-redirects",
            -1009 => "not-connected",
            -1010 => "redirect-without-location",
            -1015 => "cannot-decode-raw-data",
            -1016 => "cannot-decode-content-data",
            -1012 => "user-cancelled-authentication",
            -1100 => "file-does-not-exist",
            -997 => "background-session-was-disconnected",
            -996 => "background-session-in-use-by-another-process",
            -995 => "background-session-requires-shared-container",
            -3003 => "cannot-write-to-file",
            _ => "error",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name())?;
        if let Some(r) = self.cancel_reason {
            write!(f, " reason={}", r as i32)?;
        }
        if self.resume_data.is_some() {
            write!(f, " +resume-data")?;
        }
        Ok(())
    }
}

/// An Objective-C exception iOS would raise for a refused call. Uncaught, it crashes the
/// app, so the simulator crashes the process once the current callback returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    /// `NSGenericException`, `NSInvalidArgumentException`, ...
    pub name: &'static str,
    /// The reason text.
    pub reason: String,
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.reason)
    }
}
