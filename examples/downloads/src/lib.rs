//! A small background download manager, written against bgsim's SDK surface the way an iOS
//! app is written against URLSession, and the harness that tests it.
//!
//! - The session is made at every launch, so a relaunch in the background gets its events.
//! - The destination rides in the task's `taskDescription`, which the daemon keeps across
//!   launches: no store is needed to know where a finished file goes.
//! - The file is moved inside `didFinishDownloadingTo`, beside its destination first, then
//!   renamed over it; a non-2xx answer is a failure and leaves no file.
//! - A download cut short (the user force-quit the app, the network failed for good) is
//!   resumed from its resume data, three attempts at most; a file shorter than the server
//!   announced (a resume whose first bytes were purged) is fetched again from the start.
//! - The completion handler is kept, and called on the main queue after the last event.
//! - While the device is locked, data protection refuses the move into Documents: the file
//!   waits in Caches, which is not protected, and goes into place when the app next runs.
//!
//! [`Bug::MovesFileLater`] is the deliberate bug of the broken twin: the file is moved on the
//! main queue after the callback returns, when iOS has already deleted it.

use bgsim::harness::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const SESSION: &str = "com.example.downloads";
/// Finished files that the locked device kept out of Documents, each named after its
/// destination with `/` written as `%`.
const WAITING: &str = "Library/Caches/waiting";
const ATTEMPTS: u32 = 3;

/// The bug the broken twin carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// Moves the finished file from the main queue, after `didFinishDownloadingTo` returned.
    MovesFileLater,
}

/// What the app delegate and the session delegate share: the process's memory.
#[derive(Default)]
struct Shared {
    session: Option<SessionHandle>,
    handler: Option<CompletionHandler>,
    attempts: BTreeMap<String, u32>,
    /// Destinations whose last file was short, to fetch again when its task completes.
    short: BTreeSet<String>,
    bug: Option<Bug>,
}

/// The app delegate.
#[derive(Default)]
pub struct Downloads {
    shared: Rc<RefCell<Shared>>,
}

impl Downloads {
    /// The app with `bug` switched on.
    pub fn with_bug(bug: Bug) -> Downloads {
        let app = Downloads::default();
        app.shared.borrow_mut().bug = Some(bug);
        app
    }
}

impl App for Downloads {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
        let delegate = Delegate {
            shared: Rc::clone(&self.shared),
        };
        let config = SessionConfig::background(SESSION);
        let session = ctx.create_background_session(config, Rc::new(RefCell::new(delegate)));
        self.shared.borrow_mut().session = Some(session);
        place_waiting_files(ctx);
    }

    fn will_enter_foreground(&mut self, ctx: &mut AppContext<'_>) {
        place_waiting_files(ctx);
    }

    fn handle_events_for_background_session(
        &mut self,
        _: &mut AppContext<'_>,
        _: &str,
        handler: CompletionHandler,
    ) {
        self.shared.borrow_mut().handler = Some(handler);
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        ctx.report_download_state(destination, "running");
        let Some(session) = self.shared.borrow().session else {
            return;
        };
        if let Ok(task) = ctx.download_task(session, url) {
            ctx.set_task_description(&task, destination);
            ctx.resume(&task);
        }
    }
}

/// The session delegate.
struct Delegate {
    shared: Rc<RefCell<Shared>>,
}

impl DownloadDelegate for Delegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        if let (Some(to), true) = (&task.task_description, expected > 0) {
            ctx.report_progress(to, total as f64 / expected as f64);
        }
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let Some(to) = task.task_description.clone() else {
            return;
        };
        let status = task.response.as_ref().map_or(0, |r| r.status);
        if !(200..300).contains(&status) {
            ctx.report_download_state(&to, "failed");
            return;
        }
        let encoded = task
            .response
            .as_ref()
            .is_some_and(|r| r.content_encoding.is_some());
        let announced =
            (task.bytes_expected >= 0 && !encoded).then_some(task.bytes_expected as u64);
        if announced.is_some_and(|n| ctx.file_size(location).is_ok_and(|size| size != n)) {
            self.shared.borrow_mut().short.insert(to);
            return;
        }
        if self.shared.borrow().bug == Some(Bug::MovesFileLater) {
            let location = location.to_string();
            ctx.dispatch(Queue::Main, "save", move |ctx| save(ctx, &location, &to));
        } else {
            save(ctx, location, &to);
        }
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let Some(to) = task.task_description.clone() else {
            return;
        };
        let mut shared = self.shared.borrow_mut();
        let short = shared.short.remove(&to);
        let (Some(session), true) = (shared.session, error.is_some() || short) else {
            return;
        };
        let attempts = shared.attempts.entry(to.clone()).or_default();
        *attempts += 1;
        let give_up = *attempts >= ATTEMPTS;
        drop(shared);
        let resume_data = error.and_then(|e| e.resume_data.as_ref());
        if let (Some(data), true) = (resume_data, give_up) {
            // The resume data holds a partial file in tmp/ that only a task made from it
            // can delete, by being cancelled (TF-09).
            if let Ok(discard) = ctx.download_task_with_resume_data(session, data) {
                ctx.cancel(&discard);
            }
        }
        let retry = match resume_data {
            _ if give_up => None,
            Some(data) => ctx.download_task_with_resume_data(session, data).ok(),
            None => ctx.download_task(session, &task.original_url).ok(),
        };
        match retry {
            Some(again) => {
                ctx.set_task_description(&again, &to);
                ctx.resume(&again);
            }
            None => ctx.report_download_state(&to, "failed"),
        }
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        let handler = self.shared.borrow_mut().handler.take();
        if let Some(handler) = handler {
            ctx.dispatch(Queue::Main, "completion handler", move |ctx| {
                handler.call(ctx)
            });
        }
    }
}

/// Moves the downloaded file beside `to`, then over it: the old file stays until the new
/// one is complete. A locked device refuses it: the file waits in [`WAITING`].
fn save(ctx: &mut AppContext<'_>, location: &str, to: &str) {
    let partial = format!("{to}.partial");
    if let Some((folder, _)) = to.rsplit_once('/') {
        let _ = ctx.create_dir_all(folder);
    }
    let saved = ctx
        .move_item(location, &partial)
        .and_then(|()| ctx.replace_item(to, &partial));
    match saved {
        Ok(()) => ctx.report_download_state(to, "done"),
        Err(FsError::PermissionDenied) => {
            let _ = ctx.create_dir_all(WAITING);
            let waiting = format!("{WAITING}/{}", to.replace('/', "%"));
            if ctx.move_item(location, &waiting).is_err() {
                ctx.report_download_state(to, "failed");
            }
        }
        Err(_) => ctx.report_download_state(to, "failed"),
    }
}

/// Puts the files that waited for the device to unlock where they belong.
fn place_waiting_files(ctx: &mut AppContext<'_>) {
    for name in ctx.list_dir(WAITING).unwrap_or_default() {
        let to = name.replace('%', "/");
        let partial = format!("{to}.partial");
        let placed = ctx
            .move_item(&format!("{WAITING}/{name}"), &partial)
            .and_then(|()| ctx.replace_item(&to, &partial));
        if placed.is_ok() {
            ctx.report_download_state(&to, "done");
        }
    }
}

/// The harness with this app (`downloads`) and its broken twin (`downloads-broken`), a buggy
/// variant caught by the checks its bug is about. With the `broken` feature, `downloads`
/// itself is the broken one.
pub fn harness() -> Harness {
    let correct = match cfg!(feature = "broken") {
        false => AppSpec::new("downloads", Downloads::default),
        true => AppSpec::new("downloads", || Downloads::with_bug(Bug::MovesFileLater)),
    };
    let broken = AppSpec::new("downloads-broken", || {
        Downloads::with_bug(Bug::MovesFileLater)
    })
    .variant_of("downloads", &["temp-file-in-callback", "file-delivered"]);
    Harness::new()
        .register(correct.session_identifier(SESSION))
        .register(broken.session_identifier(SESSION))
        .program("cargo run -p downloads-example --bin my-bgsim --")
}
