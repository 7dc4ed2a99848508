//! The reference app: a correct background download manager, and the model answer that
//! every check must pass on.
//!
//! - Each download is an explicit state machine (running → done | failed | paused),
//!   persisted in the container after every change (each in a file of its own, written
//!   only when it changed: `reference/store.rs`), keyed by the app's own key, which rides
//!   in `taskDescription` (TID-3) rather than the task identifier.
//! - The session is recreated at every launch, user or system (LC-4), and the store is
//!   reconciled with `getAllTasks` (TID-4): a lost task restarts, a stray one is cancelled.
//! - The temporary file is moved inside `didFinishDownloadingTo` (FILE-1), atomically:
//!   moved beside the destination, then renamed over it, parent folders created first.
//! - A non-2xx response is a failure and leaves no file (HTTP-1, HTTP-2); a 503 or 429
//!   is retried no sooner than its Retry-After, with `earliestBeginDate` (SCHED-3), which
//!   holds even while the app is suspended.
//! - A force-quit cancellation (-999, reason 0) pauses the download and resumes it from
//!   its resume data (KILL-3); other errors retry, resuming when they can (RES-3).
//! - When data protection refuses the move (device locked, docs/bugs.md#tf-06), the file is
//!   staged in an unprotected cache folder and moved into place once the app runs unlocked.
//! - The completion handler is stored (CH-1), and called once, on the main queue, after
//!   `urlSessionDidFinishEvents` (CH-2).
//! - When an app extension holds the session's identifier, the session is refused with
//!   -996 (ID-5): the app notes it, queues new downloads, and makes its session again when
//!   it is next foregrounded, woken or launched; a download the extension left in the
//!   session is put where the extension meant (its `taskDescription`), and a session the
//!   system wakes the app for that is not the app's (an extension's own) is connected so
//!   its events are taken and its handler called.
//! - An authentication challenge (HTTP-4) is answered with the credentials the app knows
//!   (`[session] credentials`), once: a second challenge means the server refused them, so
//!   the challenge is cancelled and the download fails rather than ask forever. Without
//!   credentials the 401 arrives as the response (default handling) and fails (HTTP-1).
//! - Uploads go from a file and delete it only after a 2xx; fetches use a data task only
//!   while the app is in the foreground and become downloads when it leaves (API-4);
//!   pausing suspends the task (API-7). See `reference/transfers.rs`.
//!
//! The modules: `store` (what is kept and how it is saved), `downloads` (a download's
//! life), `session` (making the session, reconciling, stopping it), `delegate` (the
//! session delegate's callbacks) and `transfers` (uploads, fetches, pause and resume).

mod delegate;
mod downloads;
mod session;
mod store;
mod transfers;

pub use super::mutants::Bug;
use super::SessionSettings;
use bgsim_simulator::app::{
    AppContext, CompletionHandler, LaunchOptions, Queue, ResumeData, SessionHandle, TaskInfo,
};
use bgsim_simulator::{App, UserCommand};
use session::open_session;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use store::{Download, Status, Store};

/// The reference app's background session identifier.
pub const SESSION_ID: &str = "com.bgsim.reference.downloads";
const RESUME_DIR: &str = "Library/Application Support/resume";
/// Where finished files wait while the device is locked (not protected: Caches).
const PENDING_DIR: &str = "Library/Caches/pending";
/// Attempts per download before it is marked failed (errors other than force-quit).
const MAX_ATTEMPTS: u32 = 3;

#[derive(Default)]
struct Core {
    store: Store,
    session: Option<SessionHandle>,
    handlers: BTreeMap<String, CompletionHandler>,
    bug: Option<Bug>,
    /// The session is being invalidated (INV-1, INV-2): no task may be created in it, and
    /// a new one cannot be made until did-become-invalid (ID-4).
    invalidating: bool,
    /// What the scenario asks of the session configuration.
    settings: SessionSettings,
    /// Response bytes of uploads and fetches, until their task completes (memory only).
    buffers: BTreeMap<String, Vec<u8>>,
    /// ID-5: the session was refused with -996 (an app extension holds the identifier);
    /// it is made again at the next foreground, wake or launch.
    refused: bool,
    /// The session was just made again after a refusal: once it reconciles, the downloads
    /// queued meanwhile start.
    recovering: bool,
    /// Sessions of other identifiers (an app extension's own) the system woke the app for.
    foreign_sessions: BTreeMap<String, SessionHandle>,
    /// OS-6: the app implements the async `handleEvents`; its continuation is the stored
    /// handler, resumed where the handler would be called.
    asynchronous: bool,
    /// With [`Bug::DescriptionOverwritten`]: the wrapper's task-to-key map (memory only).
    wrapper_keys: BTreeMap<u64, String>,
    /// With [`Bug::UnknownTaskCrashes`]: the tasks this process created (memory only).
    created_here: BTreeSet<u64>,
    /// Resume data there was no room to write (memory only).
    unsaved_resume_data: UnsavedResumeData,
    /// What waits for a record to be on disk: an ending shown to the user, a file removed
    /// (see [`Core::when_saved`]).
    after_save: Vec<store::AfterSave>,
}

/// The reference app (see the module documentation).
#[derive(Default)]
pub struct ReferenceApp {
    core: Rc<RefCell<Core>>,
}

impl ReferenceApp {
    /// The reference app, with one real bug or none, configuring its session with
    /// `settings` (LC-7, SCHED-1, SCHED-5, NET-2, NET-3).
    pub fn configured(bug: Option<Bug>, settings: SessionSettings) -> ReferenceApp {
        let app = ReferenceApp::default();
        {
            let mut core = app.core.borrow_mut();
            core.asynchronous = bug == Some(Bug::AsyncReturnsEarly);
            core.bug = bug;
            core.settings = settings;
        }
        app
    }

    /// The reference app with the async `handleEvents` (OS-6): it awaits a continuation
    /// that urlSessionDidFinishEvents resumes, as it would call the handler.
    pub fn asynchronous(settings: SessionSettings) -> ReferenceApp {
        let app = ReferenceApp::configured(None, settings);
        app.core.borrow_mut().asynchronous = true;
        app
    }
}

/// ID-5: where an app extension meant a download of its own to go, from the
/// `taskDescription` it set.
fn extension_destination(task: &TaskInfo) -> Option<&str> {
    task.task_description
        .as_deref()?
        .strip_prefix(bgsim_simulator::EXTENSION_DESCRIPTION_PREFIX)
}

/// The keys of `map` whose entries `keep` accepts, in key order. Collected, so that the
/// store can change while they are worked through.
fn keys_where<T>(
    map: &BTreeMap<String, T>,
    mut keep: impl FnMut(&String, &T) -> bool,
) -> Vec<String> {
    map.iter()
        .filter(|(k, v)| keep(k, v))
        .map(|(k, _)| k.clone())
        .collect()
}

fn resume_path(key: &str) -> String {
    format!("{RESUME_DIR}/{key}.resume")
}

/// Resume data that could not be written (no room, OS-4), by key: this process can still
/// start from it; a process killed meanwhile starts from zero.
type UnsavedResumeData = Rc<RefCell<BTreeMap<String, ResumeData>>>;

/// Persists `data` for `key`, to start its next task from (RES-4); kept in `unsaved` when
/// it cannot be written.
fn keep_resume_data(
    ctx: &mut AppContext<'_>,
    unsaved: &UnsavedResumeData,
    key: &str,
    data: &ResumeData,
) {
    let _ = ctx.create_dir_all(RESUME_DIR);
    match ctx.write_file(&resume_path(key), data.as_bytes()) {
        Ok(()) => unsaved.borrow_mut().remove(key),
        Err(_) => unsaved.borrow_mut().insert(key.to_string(), data.clone()),
    };
}

/// Whether resume data is kept for `key`, unsaved or stored.
fn holds_resume_data(ctx: &mut AppContext<'_>, unsaved: &UnsavedResumeData, key: &str) -> bool {
    unsaved.borrow().contains_key(key) || ctx.file_exists(&resume_path(key))
}

/// Takes the resume data kept for `key`, unsaved or stored (the file is removed: RES-5).
fn take_resume_data(
    ctx: &mut AppContext<'_>,
    unsaved: &UnsavedResumeData,
    key: &str,
) -> Option<ResumeData> {
    if let Some(data) = unsaved.borrow_mut().remove(key) {
        return Some(data);
    }
    let file = resume_path(key);
    if !ctx.file_exists(&file) {
        return None;
    }
    let data = ctx.read_file(&file).ok().map(ResumeData::from_bytes);
    let _ = ctx.remove_item(&file);
    data
}

impl App for ReferenceApp {
    fn handles_events_async(&self) -> bool {
        self.core.borrow().asynchronous
    }

    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _options: &LaunchOptions) {
        let mut core = self.core.borrow_mut();
        if core.bug == Some(Bug::StoreLoadedLate) {
            // docs/bugs.md#lc-04: the store the delegate needs is set up after the session,
            // once the UI is up: events that come first find nothing to act on.
            let core_rc = Rc::clone(&self.core);
            let delay = std::time::Duration::from_millis(50);
            ctx.dispatch_after(Queue::Main, delay, "load the store", move |ctx| {
                core_rc.borrow_mut().load(ctx);
            });
        } else {
            core.load(ctx);
        }
        if core.bug == Some(Bug::ResumeDataInMemory) {
            // docs/bugs.md#rd-04: the mutant kept resume data in memory only; a new process
            // starts without any.
            let _ = ctx.remove_item(RESUME_DIR);
        }
        if matches!(
            core.bug,
            Some(Bug::LazySession | Bug::SessionOnlyInHandleEvents)
        ) {
            // docs/bugs.md#lc-06 / CH-06: no session at launch; it is made later, if ever.
            core.finish_pending_moves(ctx);
            return;
        }
        drop(core);
        self.connect(ctx);
    }

    fn will_enter_foreground(&mut self, ctx: &mut AppContext<'_>) {
        let mut core = self.core.borrow_mut();
        core.finish_pending_moves(ctx);
        core.retry_waiting_for_space(ctx);
        core.reopen_if_refused(ctx, &self.core);
    }

    fn did_enter_background(&mut self, ctx: &mut AppContext<'_>) {
        let mut core = self.core.borrow_mut();
        core.fetches_to_downloads(ctx);
        if core.bug == Some(Bug::HookCancelsAll) {
            // docs/bugs.md#lc-03: the lifecycle hook marks every download cancelled,
            // finished ones included.
            let keys: Vec<String> = core.store.downloads.keys().cloned().collect();
            for key in keys {
                core.set_status(ctx, &key, Status::Cancelled);
            }
            core.save(ctx);
        }
    }

    fn user_tapped_upload(&mut self, ctx: &mut AppContext<'_>, url: &str, content: &[u8]) {
        let mut core = self.core.borrow_mut();
        let key = core.new_upload(ctx, url, content);
        core.refuse_if_unsaved(ctx, &key);
    }

    fn user_tapped_fetch(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let mut core = self.core.borrow_mut();
        let key = core.new_fetch(ctx, url, destination);
        core.refuse_if_unsaved(ctx, &key);
    }

    fn user_tapped_suspend_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        self.core.borrow_mut().suspend_transfer(ctx, url);
    }

    fn user_tapped_resume_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        self.core.borrow_mut().resume_transfer(ctx, url);
    }

    fn handle_events_for_background_session(
        &mut self,
        ctx: &mut AppContext<'_>,
        identifier: &str,
        completion: CompletionHandler,
    ) {
        let bug = self.core.borrow().bug;
        if bug == Some(Bug::SessionOnlyInHandleEvents) && self.core.borrow().session.is_none() {
            // docs/bugs.md#ch-06: the session is made again only here.
            self.connect(ctx);
        }
        let mut core = self.core.borrow_mut();
        match bug {
            // docs/bugs.md#ch-01: the handler is not stored, so nothing can call it.
            Some(Bug::HandlerNotStored) => {}
            // docs/bugs.md#ch-02: stored once the download manager is set up, too late.
            Some(Bug::HandlerStoredLate) => {
                let core = Rc::clone(&self.core);
                let id = identifier.to_string();
                let delay = std::time::Duration::from_millis(500);
                ctx.dispatch_after(Queue::Main, delay, "store the handler", move |_| {
                    core.borrow_mut().handlers.insert(id, completion);
                });
            }
            // docs/bugs.md#ch-04: called at once, before the session's events are handled.
            Some(Bug::HandlerCalledEarly) => completion.call(ctx),
            // CH-6 mutant: one slot; a second handler of the same wake replaces the first.
            Some(Bug::OneHandlerSlot) => {
                core.handlers.clear();
                core.handlers.insert(identifier.to_string(), completion);
            }
            // OS-6 mutant: the async function returns when this callback does.
            Some(Bug::AsyncReturnsEarly) => {}
            _ => {
                // OS-6: the async form awaits until did-finish-events resumes it.
                completion.await_resume(ctx);
                core.handlers.insert(identifier.to_string(), completion);
            }
        }
        // The events flow only to a connected session (LC-4, ID-5).
        core.reopen_if_refused(ctx, &self.core);
        if bug != Some(Bug::IgnoresExtensionSession) {
            // docs/bugs.md#lc-10: with the bug, only the app's own identifier is handled.
            core.open_foreign(ctx, &self.core, identifier);
        }
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let lazy = matches!(
            self.core.borrow().bug,
            Some(Bug::LazySession | Bug::SessionOnlyInHandleEvents)
        );
        if lazy && self.core.borrow().session.is_none() {
            // docs/bugs.md#lc-06: the session is made when the first download needs it.
            self.connect(ctx);
        }
        let mut core = self.core.borrow_mut();
        let key = core.store.new_key("d");
        let destination = match core.bug {
            // docs/bugs.md#tf-07: the mutant stores the absolute path of the destination.
            Some(Bug::AbsoluteDestination) => format!("{}/{destination}", ctx.container_root()),
            _ => destination.to_string(),
        };
        core.store
            .downloads
            .insert(key.clone(), Download::new(url.to_string(), destination));
        let busy = core.session_busy()
            || core.bug == Some(Bug::OneAtATime)
                && core
                    .store
                    .downloads
                    .iter()
                    .any(|(k, d)| *k != key && d.status == Status::Running);
        if busy {
            core.set_status(ctx, &key, Status::Queued);
        } else {
            core.start_task(ctx, &key);
        }
        if core.bug == Some(Bug::BlipNotRescheduled) {
            // docs/bugs.md#nl-02: only a new enqueue restarts downloads a blip left taskless.
            let stuck = keys_where(&core.store.downloads, |_, d| {
                d.status == Status::Running && d.task_id.is_none()
            });
            for k in stuck {
                core.start_task(ctx, &k);
            }
        }
        core.save(ctx);
        core.refuse_if_unsaved(ctx, &key);
    }

    fn user_command(&mut self, ctx: &mut AppContext<'_>, command: &UserCommand) {
        self.command(ctx, command);
    }
}

impl ReferenceApp {
    /// Makes the session (LC-4), finishes the moves the lock held up (TF-06) and
    /// reconciles the store with the session's tasks (TID-4).
    fn connect(&mut self, ctx: &mut AppContext<'_>) {
        let mut core = self.core.borrow_mut();
        let settings = core.settings.clone();
        let session = open_session(ctx, &self.core, &settings);
        core.session = Some(session);
        core.finish_pending_moves(ctx);
        let core_rc = Rc::clone(&self.core);
        ctx.get_all_tasks(session, move |ctx, tasks| {
            core_rc.borrow_mut().reconcile(ctx, tasks)
        });
    }

    fn command(&mut self, ctx: &mut AppContext<'_>, command: &UserCommand) {
        let mut core = self.core.borrow_mut();
        match command {
            UserCommand::Pause { destination } => core.pause_download(ctx, destination),
            UserCommand::Resume { destination } => core.resume_paused(ctx, destination),
            UserCommand::SignOut => core.stop_session(ctx, true),
            UserCommand::StopAfterDownloads => core.stop_session(ctx, false),
        }
    }
}
