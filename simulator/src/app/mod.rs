//! The app process and the SDK surface it sees: the [`App`] trait (UIKit's app
//! delegate plus the app's UI entry point), the [`DownloadDelegate`] trait
//! (`URLSessionDownloadDelegate`), and the [`AppContext`] through which the app acts.
//!
//! The app object *is* the process's memory: when the system terminates the app the
//! simulator drops it, and a relaunch builds a new one from the factory. Only what the
//! app wrote to its container survives.

mod async_entry;
mod auth;
mod context;
mod transfers;
mod types;

pub use auth::{AuthChallenge, AuthDisposition, ChallengeHandler};
pub(crate) use context::{callback_of, HandlerRecord, ProcessRuntime, Work};
pub use context::{AppContext, CompletionHandler};
pub use types::*;

use std::fmt;

/// The states of the app process (DTS's list, plus crashed; docs/rules.md#lc-lifecycle-and-relaunch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppState {
    /// Never launched.
    NotRunning,
    /// Running, on screen.
    Foreground,
    /// Running, off screen (after Home, or woken by the system).
    Background,
    /// In memory, not running.
    Suspended,
    /// Killed by the system (KILL-1): may be relaunched in the background.
    TerminatedBySystem,
    /// Force-quit by the user (KILL-2): never relaunched by the system.
    TerminatedByUser,
    /// Crashed (KILL-6: like a system kill).
    Crashed,
}

impl AppState {
    /// True while the process runs code (foreground or background, not suspended).
    pub fn is_running(self) -> bool {
        matches!(self, AppState::Foreground | AppState::Background)
    }

    /// True while the process exists (running or suspended).
    pub fn in_memory(self) -> bool {
        self.is_running() || self == AppState::Suspended
    }

    /// True when the system may launch the app in the background (LC-3, KILL-1, KILL-6).
    pub fn relaunchable(self) -> bool {
        matches!(self, AppState::TerminatedBySystem | AppState::Crashed)
    }
}

impl fmt::Display for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AppState::NotRunning => "not-running",
            AppState::Foreground => "foreground",
            AppState::Background => "background",
            AppState::Suspended => "suspended",
            AppState::TerminatedBySystem => "terminated-by-system",
            AppState::TerminatedByUser => "terminated-by-user",
            AppState::Crashed => "crashed",
        })
    }
}

/// The app's `UIApplicationDelegate`, plus the one UI action scenarios drive.
///
/// Every method runs on the main queue. Default methods do nothing.
pub trait App {
    /// `application(_:didFinishLaunchingWithOptions:)`. LC-4: recreate sessions here.
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, options: &LaunchOptions);

    /// `application(_:handleEventsForBackgroundURLSession:completionHandler:)`.
    /// CH-1: store the handler; call it once, on main, after did-finish-events.
    fn handle_events_for_background_session(
        &mut self,
        ctx: &mut AppContext<'_>,
        identifier: &str,
        completion: CompletionHandler,
    );

    /// OS-6: whether the app implements the async form,
    /// `application(_:handleEventsForBackgroundURLSession:) async`, instead of the one with
    /// a completion handler. The system then still calls
    /// [`App::handle_events_for_background_session`], and the handler stands for the async
    /// function: it returns when the callback returns, unless the app awaits
    /// ([`CompletionHandler::await_resume`]); then it returns, on the main actor, when the
    /// app calls the handler (resumes its continuation) from any queue.
    fn handles_events_async(&self) -> bool {
        false
    }

    /// `applicationDidEnterBackground`.
    fn did_enter_background(&mut self, _ctx: &mut AppContext<'_>) {}

    /// `applicationWillEnterForeground`.
    fn will_enter_foreground(&mut self, _ctx: &mut AppContext<'_>) {}

    /// The user asked the app's UI to download `url` to the container path `destination`.
    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str);

    /// The user used another control of the app's UI. An app without it does nothing.
    fn user_command(&mut self, _ctx: &mut AppContext<'_>, _command: &crate::UserCommand) {}
    /// The user picked `content` (a photo, a document) and asked the app to upload it to
    /// `url`. The bytes are in memory only: an app that wants to upload them in the
    /// background writes them to a file first (API-1, API-3). By default nothing happens.
    fn user_tapped_upload(&mut self, ctx: &mut AppContext<'_>, url: &str, content: &[u8]) {
        let _ = (url, content);
        ctx.log("this app cannot upload");
    }

    /// The user asked the app for a small resource at `url` (a feed, a JSON document), to be
    /// kept at the container path `destination`. By default nothing happens.
    fn user_tapped_fetch(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let _ = (url, destination);
        ctx.log("this app cannot fetch");
    }

    /// The user paused the transfer of `url` in the app's UI. By default nothing happens.
    fn user_tapped_suspend_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        let _ = url;
        ctx.log("this app cannot pause");
    }

    /// The user resumed the paused transfer of `url`. By default nothing happens.
    fn user_tapped_resume_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        let _ = url;
        ctx.log("this app cannot resume");
    }
}

/// Builds a fresh app object for each launch.
pub type AppFactory = Box<dyn Fn() -> Box<dyn App>>;

/// `URLSessionDownloadDelegate` (with the task and session delegate methods it inherits).
///
/// Every method runs on the session's delegate queue. Default methods do nothing.
pub trait DownloadDelegate {
    /// `didWriteData`: `total_expected` is -1 when the length is unknown (PROG-2).
    fn did_write_data(
        &mut self,
        _ctx: &mut AppContext<'_>,
        _task: &TaskInfo,
        _bytes_written: u64,
        _total_bytes_written: u64,
        _total_expected: i64,
    ) {
    }

    /// `urlSession(_:task:didSendBodyData:totalBytesSent:totalBytesExpectedToSend:)` for an
    /// upload task, at the cadence of did-write-data (PROG-1); `total_expected` is the file's
    /// length, or -1 for a streamed body (PROG-3). `total_sent` starts again from 0 when
    /// the daemon retries the upload (NET-2: no upload resume before iOS 17).
    fn did_send_body_data(
        &mut self,
        _ctx: &mut AppContext<'_>,
        _task: &TaskInfo,
        _bytes_sent: u64,
        _total_sent: u64,
        _total_expected: i64,
    ) {
    }

    /// `urlSession(_:dataTask:didReceive:)` (URLSessionDataDelegate): response body bytes of
    /// a data task (API-4), or the response body of an upload task (HTTP-3).
    fn did_receive_data(&mut self, _ctx: &mut AppContext<'_>, _task: &TaskInfo, _data: &[u8]) {}

    /// `didResumeAtOffset` (ORD-3): offset 0 means the download restarted.
    fn did_resume_at_offset(
        &mut self,
        _ctx: &mut AppContext<'_>,
        _task: &TaskInfo,
        _file_offset: u64,
        _expected_total: i64,
    ) {
    }

    /// `didFinishDownloadingTo`: `location` is deleted as soon as this returns (FILE-1).
    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    );

    /// `didCompleteWithError`: called for every task, with None on success (ORD-1) and
    /// for HTTP error statuses too (HTTP-1).
    fn did_complete_with_error(
        &mut self,
        _ctx: &mut AppContext<'_>,
        _task: &TaskInfo,
        _error: Option<&UrlError>,
    ) {
    }

    /// `urlSession(_:task:didReceive:completionHandler:)` (HTTP-4): the server answered
    /// with a 401 challenge. Answer through `completion`, now or later but before the app
    /// is suspended; unanswered, the task fails (-1012 by default). This event wakes or
    /// relaunches the app (LC-6). By default: `.performDefaultHandling`, which with no
    /// stored credential makes the 401 the task's response (HTTP-1).
    fn did_receive_challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        _task: &TaskInfo,
        _challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        completion.call(ctx, AuthDisposition::PerformDefaultHandling);
    }

    /// `urlSession(_:didBecomeInvalidWithError:)` (INV-1, INV-2): the session is gone; the
    /// delegate is released after this.
    fn did_become_invalid(&mut self, _ctx: &mut AppContext<'_>, _session: &str) {}

    /// `urlSession(_:didBecomeInvalidWithError:)` with its error: None after INV-1 /
    /// INV-2, -996 when another process (an app extension) holds the session's identifier
    /// (ID-5). By default it calls [`DownloadDelegate::did_become_invalid`], so a delegate
    /// that does not care about the error implements only that.
    fn did_become_invalid_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        session: &str,
        _error: Option<&UrlError>,
    ) {
        self.did_become_invalid(ctx, session)
    }

    /// `urlSessionDidFinishEvents(forBackgroundURLSession:)` (ORD-4): the last event of a wake.
    fn did_finish_events(&mut self, _ctx: &mut AppContext<'_>, _session: &str) {}
}
