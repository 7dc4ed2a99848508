//! What the system calls in the app (`Callback`) and what the app does with files (`FileOp`).

use crate::app::{AuthChallenge, TaskKey, UrlError};

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
