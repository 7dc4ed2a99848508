//! A literal port of the code in "Utilizing the iOS Background with Xamarin: Part 2"
//! (docs/design.md#the-seed-article), bugs included. It is the project's
//! seed example of how background-download code goes wrong:
//!
//! - the session is created only when a fetch starts (`FetchImage`), never at launch, so
//!   after a background relaunch nothing reconnects it and the events never arrive (LC-4,
//!   ORD-7); every fetch also builds a new session with the same identifier (ID-3);
//! - no HTTP status check: a 404 page becomes `xamarin.png` (HTTP-1, HTTP-2);
//! - progress is `totalBytesWritten / totalBytesExpectedToWrite`, negative when the length
//!   is unknown (-1, PROG-2);
//! - the completion handler is called from `DidFinishEventsForBackgroundSession`, on the
//!   delegate queue, not the main queue (CH-2), and never cleared;
//! - one fixed destination, `Documents/xamarin.png`, for every download;
//! - the old file is deleted before the new one is copied, so a failed copy leaves none.
//!
//! The listing lost some lines in extraction. Where it did, the evident intent is ported:
//! `task.Resume()` after `CreateDownloadTask` (the text says it is essential),
//! `File.Delete(destinationUrl)` inside the `File.Exists` check, `handler()` inside the
//! null check, and `destinationUrl` read as the `destinationFilepath` field.

use bgsim_simulator::app::{
    AppContext, CompletionHandler, LaunchOptions, SessionConfig, SessionHandle, TaskInfo,
};
use bgsim_simulator::{App, DownloadDelegate};
use std::cell::RefCell;
use std::rc::Rc;

/// The checks its bugs are about (see the module doc): session never reconnected, no
/// status check, the handler off the main queue, delete-then-copy, negative progress.
pub const CAUGHT_BY: &[&str] = &[
    "session-reconnected",
    "no-error-body",
    "handler-main-queue",
    "no-lost-file",
    "progress-sane",
];

/// `const string SessionId`.
pub const SESSION_ID: &str = "com.example.backgroundSession";

/// The parts of `AppDelegate` the delegate reaches through `UIApplication.SharedApplication`.
#[derive(Default)]
struct AppDelegateState {
    background_url_completion_handler: Option<CompletionHandler>,
}

/// `public partial class AppDelegate`.
#[derive(Default)]
pub struct ArticleApp {
    state: Rc<RefCell<AppDelegateState>>,
}

/// `public class UrlSessionDelegate : NSUrlSessionDownloadDelegate`.
struct UrlSessionDelegate {
    destination_filepath: String,
    app_delegate: Rc<RefCell<AppDelegateState>>,
}

impl UrlSessionDelegate {
    fn new(ctx: &AppContext<'_>, app_delegate: Rc<RefCell<AppDelegateState>>) -> Self {
        // Path.Combine(GetFolderPath(SpecialFolder.Personal), "xamarin.png"): Personal is
        // the Documents folder on iOS, as an absolute path.
        let personal = format!("{}/Documents", ctx.container_root());
        UrlSessionDelegate {
            destination_filepath: format!("{personal}/xamarin.png"),
            app_delegate,
        }
    }
}

impl ArticleApp {
    /// `ConfigureBackgroundSession`: a new session (and delegate) on every call.
    fn configure_background_session(&self, ctx: &mut AppContext<'_>) -> SessionHandle {
        // BackgroundSessionConfiguration(SessionId) ?? CreateBackgroundSessionConfiguration:
        // either way, a background configuration with that identifier.
        let configuration = SessionConfig::background(SESSION_ID);
        let delegate = UrlSessionDelegate::new(ctx, Rc::clone(&self.state));
        ctx.create_background_session(configuration, Rc::new(RefCell::new(delegate)))
    }

    /// `FetchImage(string url)`.
    fn fetch_image(&self, ctx: &mut AppContext<'_>, url: &str) {
        let session = self.configure_background_session(ctx);
        if let Ok(task) = ctx.download_task(session, url) {
            ctx.resume(&task);
        }
    }
}

impl App for ArticleApp {
    fn did_finish_launching(&mut self, _ctx: &mut AppContext<'_>, _options: &LaunchOptions) {
        // The article's AppDelegate does no session work at launch.
    }

    /// `HandleEventsForBackgroundUrl`: stores the handler, nothing else.
    fn handle_events_for_background_session(
        &mut self,
        _ctx: &mut AppContext<'_>,
        _identifier: &str,
        completion: CompletionHandler,
    ) {
        self.state.borrow_mut().background_url_completion_handler = Some(completion);
    }

    /// The UI calls `FetchImage(url)`; the destination is fixed by the delegate.
    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, _destination: &str) {
        self.fetch_image(ctx, url);
    }
}

impl DownloadDelegate for UrlSessionDelegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        // float progress = totalBytesWritten / (float)totalBytesExpectedToWrite;
        let progress = total as f32 / expected as f32;
        let id = task.key.task_id;
        ctx.log(format!("Task: {id}  progress: {progress}"));
        ctx.report_progress(&format!("task-{id}"), f64::from(progress));
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        ctx.log(format!("Download task {} completed!", task.key.task_id));
        let destination = self.destination_filepath.clone();
        if ctx.file_exists(&destination) {
            let _ = ctx.remove_item(&destination);
        }
        // File.Copy throws on failure; nothing catches it here, which crashes the app.
        if let Err(e) = ctx.copy_item(location, &destination) {
            panic!("System.IO.IOException: File.Copy failed: {e}");
        }
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, _session: &str) {
        let handler = self
            .app_delegate
            .borrow()
            .background_url_completion_handler
            .clone();
        if let Some(handler) = handler {
            handler.call(ctx);
        }
    }
}
