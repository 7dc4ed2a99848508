//! The reference app: a correct background download manager, and the model answer that
//! every check must pass on.
//!
//! - Each download is an explicit state machine (running → done | failed | paused),
//!   persisted in the container after every change, keyed by the app's own key, which
//!   rides in `taskDescription` (TID-3) rather than the task identifier.
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

mod transfers;

pub use super::mutants::Bug;
use super::SessionSettings;
use bgsim_simulator::app::TaskKey;
use bgsim_simulator::app::{
    AppContext, AppState, AuthChallenge, AuthDisposition, CancelReason, ChallengeHandler,
    CompletionHandler, LaunchOptions, Queue, ResumeData, SessionConfig, SessionHandle, TaskInfo,
    UrlError,
};
use bgsim_simulator::sandbox::FsError;
use bgsim_simulator::{App, DownloadDelegate, UserCommand};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The reference app's background session identifier.
pub const SESSION_ID: &str = "com.bgsim.reference.downloads";
const STORE_PATH: &str = "Library/Application Support/downloads.json";
const RESUME_DIR: &str = "Library/Application Support/resume";
/// Where finished files wait while the device is locked (not protected: Caches).
const PENDING_DIR: &str = "Library/Caches/pending";
/// Attempts per download before it is marked failed (errors other than force-quit).
const MAX_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Running,
    Paused,
    Done,
    Failed,
    /// Waiting for its turn: behind a running one (with [`Bug::OneAtATime`]), or for a
    /// new session while the old one is being invalidated.
    Queued,
    /// Stopped by the user signing out.
    Cancelled,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Download {
    url: String,
    destination: String,
    status: Status,
    /// The daemon task currently working on it.
    task_id: Option<u64>,
    attempts: u32,
    /// The response status when it was not 2xx.
    http_status: Option<u16>,
    /// The file is in place (moved inside did-finish-downloading-to).
    file_ready: bool,
    /// Why it failed, in words.
    failure: Option<String>,
    /// Seconds the server asked to wait before retrying (503/429 Retry-After).
    #[serde(default)]
    retry_after_s: Option<u64>,
    /// The file waits in PENDING_DIR for the device to unlock (TF-06).
    #[serde(default)]
    pending_move: bool,
    /// The user paused it: by cancelling it with resume data (a download, RES-2) or by
    /// suspending its task (API-7). Either way its cancellation is not a failure.
    #[serde(default)]
    user_paused: bool,
    /// The last file was shorter than announced (RES-6): thrown away, to fetch again whole.
    #[serde(default)]
    short_file_discarded: bool,
    /// The user resumed before the pause's cancel completed: resume from its data then.
    #[serde(default)]
    resume_requested: bool,
    /// HTTP-4: the server refused the app's credentials; the challenge was cancelled, so
    /// its -999 is a failure that asking again cannot heal.
    #[serde(default)]
    auth_refused: bool,
}

impl Download {
    /// A download the user just asked for, about to get its first task.
    fn new(url: String, destination: String) -> Download {
        Download {
            url,
            destination,
            status: Status::Running,
            task_id: None,
            attempts: 0,
            http_status: None,
            file_ready: false,
            failure: None,
            retry_after_s: None,
            pending_move: false,
            user_paused: false,
            short_file_discarded: false,
            resume_requested: false,
            auth_refused: false,
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Store {
    next_key: u64,
    downloads: BTreeMap<String, Download>,
    #[serde(default)]
    uploads: BTreeMap<String, transfers::Upload>,
    #[serde(default)]
    fetches: BTreeMap<String, transfers::Fetch>,
}

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
    /// With [`Bug::DescriptionOverwritten`]: the wrapper's task-to-key map (memory only).
    wrapper_keys: BTreeMap<u64, String>,
    /// With [`Bug::UnknownTaskCrashes`]: the tasks this process created (memory only).
    created_here: Vec<u64>,
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
            core.bug = bug;
            core.settings = settings;
        }
        app
    }
}

struct Delegate {
    core: Rc<RefCell<Core>>,
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

/// Persists `data` for `key`, to start its next task from (RES-4). A failed write only
/// means the next task starts from zero.
fn keep_resume_data(ctx: &mut AppContext<'_>, key: &str, data: &ResumeData) {
    let _ = ctx.create_dir_all(RESUME_DIR);
    let _ = ctx.write_file(&resume_path(key), data.as_bytes());
}

impl Status {
    /// The word reported for it (see `AppContext::report_download_state`).
    fn word(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Queued => "queued",
            Status::Cancelled => "cancelled",
        }
    }
}

impl Core {
    fn store_path(&self) -> &'static str {
        match self.bug {
            // docs/bugs.md#id-04: the store sits where data protection closes it while the
            // device is locked, so a launch in the background cannot open it.
            Some(Bug::StoreInDocuments) => "Documents/downloads.json",
            _ => STORE_PATH,
        }
    }

    fn save(&self, ctx: &mut AppContext<'_>) {
        let json = serde_json::to_vec_pretty(&self.store).expect("the store serialises");
        // A failed save is logged; the next change saves everything again.
        if let Err(e) = ctx.write_file(self.store_path(), &json) {
            ctx.log(format!("could not save the store: {e}"));
        }
    }

    fn load(&mut self, ctx: &mut AppContext<'_>) {
        if !ctx.file_exists(self.store_path()) {
            return;
        }
        match ctx
            .read_file(self.store_path())
            .map(|b| serde_json::from_slice(&b))
        {
            Ok(Ok(store)) => self.store = store,
            _ => ctx.log("the store is unreadable; starting empty"),
        }
        if self.bug == Some(Bug::PauseNotPersisted) {
            // docs/bugs.md#id-05: the pause was kept in memory only; the restart forgets it.
            for d in self.store.downloads.values_mut() {
                d.user_paused = false;
            }
        }
    }

    fn set_status(&mut self, ctx: &mut AppContext<'_>, key: &str, status: Status) {
        if let Some(d) = self.store.downloads.get_mut(key) {
            d.status = status;
            ctx.report_download_state(key, status.word());
        }
    }

    /// Starts a new task for `key`: from its stored resume data when there is some
    /// (RES-4, consumed: RES-5), else from scratch.
    /// While the session cannot take a task, the download waits as `queued`.
    fn start_task(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        if self.session_busy() {
            return self.set_status(ctx, key, Status::Queued);
        }
        let Some(session) = self.session else {
            return;
        };
        let Some(d) = self.store.downloads.get(key) else {
            return;
        };
        let url = d.url.clone();
        let resume_file = resume_path(key);
        let from_resume = if ctx.file_exists(&resume_file) {
            let data = ctx.read_file(&resume_file).ok().map(ResumeData::from_bytes);
            let _ = ctx.remove_item(&resume_file);
            data
        } else {
            None
        };
        let resumed = from_resume.is_some();
        let task = match from_resume {
            Some(data) => ctx.download_task_with_resume_data(session, &data),
            None if self.bug == Some(Bug::CompletionHandlerApi) => {
                ctx.download_task_with_completion_handler(session, &url)
            }
            None => ctx.download_task(session, &url),
        };
        let Ok(task) = task else {
            ctx.log(format!("could not create a task for {key}"));
            return;
        };
        ctx.set_task_description(&task, key);
        if self.bug == Some(Bug::DescriptionOverwritten) {
            // docs/bugs.md#id-02: the wrapper stamps its own tag over taskDescription and keeps
            // the app's key in its memory, which a relaunch empties.
            ctx.set_task_description(&task, "AFURLSessionManager 0x600003c1c000");
            self.wrapper_keys.insert(task.task_id, key.to_string());
        }
        self.created_here.push(task.task_id);
        if let Some(bytes) = self.settings.expects_to_receive_bytes {
            // SCHED-4: a best-guess upper bound helps the system schedule the transfer.
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            ctx.set_count_of_bytes_client_expects_to_receive(&task, bytes);
        }
        if let Some(wait_s) = self.store.downloads.get(key).and_then(|d| d.retry_after_s) {
            let at = ctx.now() + std::time::Duration::from_secs(wait_s);
            ctx.set_earliest_begin_date(&task, at);
        }
        ctx.resume(&task);
        let d = self.store.downloads.get_mut(key).expect("checked above");
        // docs/bugs.md#rd-06: the mutant files a task under its request, which a task made
        // from resume data does not have: that task is never recorded.
        if !(resumed && self.bug == Some(Bug::ResumedTaskUntracked)) {
            d.task_id = Some(task.task_id);
        }
        d.attempts += 1;
        d.file_ready = false;
        d.http_status = None;
        d.retry_after_s = None;
        self.set_status(ctx, key, Status::Running);
        if resumed && self.bug == Some(Bug::ProgressResetOnResume) {
            // docs/bugs.md#pr-04: a new task, so the bar starts again from 0, although the
            // resume data keeps the bytes already written.
            ctx.report_progress(key, 0.0);
        }
    }

    /// LC-2 / LC-5 / TID-4: make the store and the daemon agree after a launch.
    fn reconcile(&mut self, ctx: &mut AppContext<'_>, tasks: Vec<TaskInfo>) {
        if self.refused {
            // ID-5: the session was refused; its tasks are not ours to see until it is
            // made again.
            return;
        }
        let mut claimed = Vec::new();
        for t in &tasks {
            let ours = t.task_description.as_deref().and_then(|k| {
                let d = self.store.downloads.get(k)?;
                (d.status == Status::Running && d.task_id == Some(t.key.task_id)).then_some(k)
            });
            match ours {
                Some(k) => claimed.push(k.to_string()),
                // An upload, a fetch or a paused download of ours (transfers.rs).
                None if self.claims(t) => {}
                // ID-5: an app extension's download left in our session: it finishes here.
                None if extension_destination(t).is_some() => {}
                // A task nobody tracks would be a duplicate transfer: cancel it.
                None if t.state != bgsim_simulator::app::TaskState::Completed => ctx.cancel(&t.key),
                None => {}
            }
        }
        // docs/bugs.md#lc-02: with the bug, the stored status is trusted over the daemon.
        let trusting = self.bug == Some(Bug::StaleRunningAfterKill);
        let lost = keys_where(&self.store.downloads, |k, d| {
            d.status == Status::Running && !claimed.contains(k) && !trusting
        });
        for key in lost {
            ctx.log(format!("{key}: its task is gone; starting it again"));
            self.start_task(ctx, &key);
        }
        self.reconcile_transfers(ctx, &tasks);
        // Work queued for a session now gone (refused, or invalidated before the app was
        // killed) starts in this one; the NL-05 mutant drains its own queue.
        if std::mem::take(&mut self.recovering) || self.bug != Some(Bug::OneAtATime) {
            self.start_queued(ctx);
        }
        if !self.session_busy() {
            self.discard_leftover_resume_data(ctx);
        }
        self.save(ctx);
    }

    /// ID-5: makes the session again after a -996, then reconciles; the refusal, if the
    /// extension still holds it, arrives before the reconciliation on the delegate queue.
    fn reopen_if_refused(&mut self, ctx: &mut AppContext<'_>, core: &Rc<RefCell<Core>>) {
        if !self.refused {
            return;
        }
        self.refused = false;
        self.recovering = true;
        let settings = self.settings.clone();
        let session = open_session(ctx, core, &settings);
        self.session = Some(session);
        let core = Rc::clone(core);
        ctx.get_all_tasks(session, move |ctx, tasks| {
            core.borrow_mut().reconcile(ctx, tasks)
        });
    }

    /// LC-3: the system woke the app for `identifier`, not the app's own session (an app
    /// extension's): connect it so its events come, and the handler is called after them.
    fn open_foreign(&mut self, ctx: &mut AppContext<'_>, core: &Rc<RefCell<Core>>, id: &str) {
        if id == SESSION_ID || self.foreign_sessions.contains_key(id) {
            return;
        }
        let delegate = Rc::new(RefCell::new(Delegate {
            core: Rc::clone(core),
        }));
        let config = self.settings.apply(SessionConfig::background(id));
        let session = ctx.create_background_session(config, delegate);
        self.foreign_sessions.insert(id.to_string(), session);
    }

    /// ID-5: a download an app extension started and this process inherited: the file
    /// goes where the extension meant.
    fn finished_for_extension(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let Some(to) = extension_destination(task) else {
            ctx.log(format!(
                "{}: not ours; its file is left to the system",
                task.key
            ));
            return;
        };
        let status = task.response.as_ref().map_or(0, |r| r.status);
        if !(200..300).contains(&status) {
            ctx.log(format!(
                "{}: the extension's download got HTTP {status}",
                task.key
            ));
            return;
        }
        if let Some((parent, _)) = to.rsplit_once('/') {
            let _ = ctx.create_dir_all(parent);
        }
        let staging = format!("{to}.bgsim-partial");
        let _ = ctx.remove_item(&staging);
        if let Err(e) = ctx
            .move_item(location, &staging)
            .and_then(|()| ctx.replace_item(to, &staging))
        {
            ctx.log(format!(
                "{}: could not place the extension's file: {e}",
                task.key
            ));
        }
    }

    /// ID-5: an inherited extension download failed with resume data. Its retries are the
    /// extension's business; the data is discarded, in the session it came in, so its
    /// partial file does not stay in tmp/ (RES-7).
    fn failed_for_extension(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        data: &ResumeData,
    ) {
        ctx.log(format!("{}: the extension's download failed", task.key));
        let Some(&session) = self.foreign_sessions.get(&task.key.session) else {
            return;
        };
        if let Ok(next) = ctx.download_task_with_resume_data(session, data) {
            ctx.cancel(&next);
        }
    }

    fn key_of(&self, task: &TaskInfo) -> Option<String> {
        if self.bug == Some(Bug::MatchesByUrl) {
            // docs/bugs.md#id-01: the URL as the key; a redirect changes it (NET-7).
            return self.store.downloads.iter().find_map(|(k, d)| {
                (d.url == task.current_url && d.status == Status::Running).then(|| k.clone())
            });
        }
        let key = match self.bug {
            Some(Bug::DescriptionOverwritten) => self.wrapper_keys.get(&task.key.task_id)?,
            _ => task.task_description.as_deref()?,
        };
        let d = self.store.downloads.get(key)?;
        (d.task_id == Some(task.key.task_id)).then(|| key.to_string())
    }

    fn finished(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, location: &str) {
        let unknown = !self.created_here.contains(&task.key.task_id);
        if self.bug == Some(Bug::UnknownTaskCrashes) && unknown && self.key_of(task).is_some() {
            // docs/bugs.md#lc-05: the file name comes from a map that only knows this
            // process's tasks; a task reattached after a relaunch finds nil there.
            panic!(
                "URLByAppendingPathComponent: nil file name for {}",
                task.key
            );
        }
        let Some(key) = self.key_of(task) else {
            self.finished_for_extension(ctx, task, location);
            return;
        };
        let status = task.response.as_ref().map_or(0, |r| r.status);
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        // docs/bugs.md#tf-03: the mutant never looks at the status.
        if !(200..300).contains(&status) && self.bug != Some(Bug::ErrorBodyKept) {
            d.http_status = Some(status);
            if matches!(status, 429 | 503) {
                // Delay-seconds, or an HTTP-date counted from the response's Date.
                d.retry_after_s = Some(transfers::retry_after(task));
            }
            self.save(ctx);
            return;
        }
        // RES-6: a resume whose kept bytes were lost can hand over only the rest. Never
        // keep a file shorter than the size announced; fetch it again, from byte 0.
        // An encoded body's announced length counts encoded bytes, not the file's.
        let encoded = task
            .response
            .as_ref()
            .is_some_and(|r| r.content_encoding.is_some());
        let expected = if encoded { -1 } else { task.bytes_expected };
        // docs/bugs.md#rd-02: the mutant takes whatever file it is handed.
        let checked = expected >= 0 && self.bug != Some(Bug::NoLengthCheck);
        let size = checked.then(|| ctx.file_size(location));
        if let Some(Ok(size)) = size.filter(|s| *s != Ok(expected as u64)) {
            ctx.log(format!(
                "{key}: file has {size} of {expected} bytes; discarded"
            ));
            let _ = ctx.remove_item(&resume_path(&key));
            let d = self.store.downloads.get_mut(&key).expect("key_of found it");
            d.short_file_discarded = true;
            self.save(ctx);
            return;
        }
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        let destination = d.destination.clone();
        let staging = format!("{destination}.bgsim-partial");
        // docs/bugs.md#tf-05: the mutant assumes the destination's folder exists.
        let parent = destination.rsplit_once('/').map(|(p, _)| p);
        if let Some(parent) = parent.filter(|_| self.bug != Some(Bug::NoParentFolder)) {
            let _ = ctx.create_dir_all(parent);
        }
        if ctx.file_exists(&staging) {
            let _ = ctx.remove_item(&staging);
        }
        let moved = ctx
            .move_item(location, &staging)
            .and_then(|()| ctx.replace_item(&destination, &staging));
        let moved = match moved {
            // TF-06: Documents is closed while the device is locked. Keep the file where
            // the lock does not reach and finish the move later.
            // (docs/bugs.md#tf-06: the mutant takes the refusal as a failure.)
            Err(FsError::PermissionDenied) if self.bug != Some(Bug::NoStagingWhenLocked) => {
                let _ = ctx.create_dir_all(PENDING_DIR);
                let pending = format!("{PENDING_DIR}/{key}");
                ctx.move_item(location, &pending).map(|()| false)
            }
            other => other.map(|()| true),
        };
        if self.bug == Some(Bug::SlowWorkInCallback) && ctx.app_state() != AppState::Foreground {
            // docs/bugs.md#ch-04 (openradar 23478912): unzipping the file right here, in a
            // background wake, takes longer than the wake's budget.
            ctx.busy_for(std::time::Duration::from_secs(45));
        }
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        match moved {
            // docs/bugs.md#tf-01: the mutant calls the file ready whatever the move did.
            _ if self.bug == Some(Bug::MoveResultIgnored) => d.file_ready = true,
            Ok(true) => d.file_ready = true,
            Ok(false) => d.pending_move = true,
            Err(e) => d.failure = Some(format!("could not move the file: {e}")),
        }
        self.save(ctx);
    }

    /// Moves files staged while the device was locked into place (TF-06).
    fn finish_pending_moves(&mut self, ctx: &mut AppContext<'_>) {
        let pending = keys_where(&self.store.downloads, |_, d| d.pending_move);
        for key in pending {
            let d = &self.store.downloads[&key];
            let (from, to) = (format!("{PENDING_DIR}/{key}"), d.destination.clone());
            if let Some((parent, _)) = to.rsplit_once('/') {
                let _ = ctx.create_dir_all(parent);
            }
            if ctx.replace_item(&to, &from).is_ok() {
                let d = self.store.downloads.get_mut(&key).expect("listed above");
                d.pending_move = false;
                d.file_ready = true;
                self.set_status(ctx, &key, Status::Done);
                self.save(ctx);
            }
        }
    }

    /// With [`Bug::OneAtATime`], the next queued download starts when one ends.
    fn start_next_queued(&mut self, ctx: &mut AppContext<'_>) {
        let running = self
            .store
            .downloads
            .values()
            .any(|d| d.status == Status::Running);
        let next = self
            .store
            .downloads
            .iter()
            .find(|(_, d)| d.status == Status::Queued)
            .map(|(k, _)| k.clone());
        if let (false, Some(key)) = (running, next) {
            self.start_task(ctx, &key);
        }
    }

    fn completed(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, error: Option<&UrlError>) {
        let resume_data = error.and_then(|e| e.resume_data.as_ref());
        if let (Some(_), Some(data)) = (extension_destination(task), resume_data) {
            return self.failed_for_extension(ctx, task, data);
        }
        if self.transfer_completed(ctx, task, error) {
            return;
        }
        self.settle(ctx, task, error);
        if self.bug == Some(Bug::OneAtATime) {
            self.start_next_queued(ctx);
            self.save(ctx);
        }
    }

    /// HTTP-4: answer with the credentials the app knows, once. A challenge with a previous
    /// failure means the server refused them: cancel (the task fails with -999) and mark
    /// the download failed, since the same credentials would only be refused again.
    fn challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        let known = self.settings.credentials.as_deref();
        let answer = match known.and_then(|c| c.split_once(':')) {
            // No credentials: the 401 becomes the response and fails the download (HTTP-1).
            None => AuthDisposition::PerformDefaultHandling,
            Some((user, password)) if challenge.previous_failure_count == 0 => {
                AuthDisposition::UseCredential {
                    user: user.to_string(),
                    password: password.to_string(),
                }
            }
            Some(_) => {
                if let Some(key) = self.key_of(task) {
                    let d = self.store.downloads.get_mut(&key).expect("key_of found it");
                    d.auth_refused = true;
                    d.failure = Some("the server refused the credentials".into());
                    self.save(ctx);
                }
                AuthDisposition::CancelAuthenticationChallenge
            }
        };
        completion.call(ctx, answer);
    }

    fn settle(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, error: Option<&UrlError>) {
        let Some(key) = self.key_of(task) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        d.task_id = None;
        if d.user_paused || d.status == Status::Cancelled {
            // The user stopped it (RES-2, INV-2): the -999 is the answer, not a failure.
            // Kept after a sign-out too: the next session discards it (RES-7).
            if let Some(data) = error.and_then(|e| e.resume_data.as_ref()) {
                keep_resume_data(ctx, &key, data);
            }
            if std::mem::take(&mut d.resume_requested) {
                // The user resumed while the pause was under way: now there is resume data
                // to start from (RES-4), and no partial file is left unused in tmp/.
                d.user_paused = false;
                d.attempts = 0;
                self.start_task(ctx, &key);
            }
            self.save(ctx);
            return;
        }
        let cancelled = error.is_some_and(|e| e.code == UrlError::CANCELLED);
        if self.bug == Some(Bug::StaleRunningAfterKill) && cancelled {
            // docs/bugs.md#lc-02: every -999 taken for the app's own cancel, and the stored
            // status, running, trusted at the next launch (no reconciliation).
            self.save(ctx);
            return;
        }
        match error {
            None if d.file_ready => self.set_status(ctx, &key, Status::Done),
            // Finished, but waiting for the device to unlock to be put in place.
            None if d.pending_move => self.set_status(ctx, &key, Status::Paused),
            None if d.short_file_discarded && d.attempts < MAX_ATTEMPTS => {
                d.short_file_discarded = false;
                self.start_task(ctx, &key);
            }
            None if d.retry_after_s.is_some() && d.attempts < MAX_ATTEMPTS => {
                // The server is busy, not wrong: try again when it said to.
                self.start_task(ctx, &key);
            }
            None => {
                d.failure = Some(match d.http_status {
                    Some(s) => format!("HTTP {s}"),
                    None => d.failure.take().unwrap_or_else(|| "no file".into()),
                });
                self.set_status(ctx, &key, Status::Failed);
            }
            Some(e) => {
                if let Some(data) = &e.resume_data {
                    keep_resume_data(ctx, &key, data);
                }
                if self.bug == Some(Bug::TimeoutNotSurfaced)
                    && e.code == UrlError::TIMED_OUT
                    && e.resume_data.is_some()
                {
                    // docs/bugs.md#nl-03: the -1001 is not surfaced: no state, no retry.
                    self.save(ctx);
                    return;
                }
                let force_quit = e.code == UrlError::CANCELLED
                    && e.cancel_reason == Some(CancelReason::UserForceQuitApplication);
                // These cannot heal by asking again: the URL or the server's redirects
                // are wrong (NET-7, NET-8).
                let permanent = [
                    UrlError::UNSUPPORTED_URL,
                    UrlError::HTTP_TOO_MANY_REDIRECTS,
                    UrlError::REDIRECT_TO_NON_EXISTENT_LOCATION,
                ]
                .contains(&e.code)
                    || d.auth_refused;
                let retry = d.attempts < MAX_ATTEMPTS && !permanent;
                if force_quit && self.bug == Some(Bug::ForceQuitAsFailure) {
                    // docs/bugs.md#lc-01: the force-quit's -999 read as a failure, and the
                    // resume data that came with it thrown away.
                    d.failure = Some(format!("error {e}"));
                    let _ = ctx.remove_item(&resume_path(&key));
                    self.set_status(ctx, &key, Status::Failed);
                } else if force_quit {
                    // KILL-3: not a failure. Pause, then carry on from the resume data.
                    self.set_status(ctx, &key, Status::Paused);
                    self.save(ctx);
                    self.start_task(ctx, &key);
                } else if retry
                    && self.bug == Some(Bug::BlipNotRescheduled)
                    && e.code == UrlError::NETWORK_CONNECTION_LOST
                {
                    // docs/bugs.md#nl-02: the retry waits for the next enqueue.
                    ctx.log(format!(
                        "{key}: connection lost; retrying with the next download"
                    ));
                } else if retry {
                    self.start_task(ctx, &key);
                } else {
                    if !d.auth_refused {
                        d.failure = Some(format!("error {e}"));
                    }
                    self.set_status(ctx, &key, Status::Failed);
                    if let Some(data) = &e.resume_data {
                        if self.bug == Some(Bug::ResumeDataLeaked) {
                            // docs/bugs.md#tf-09: only the app's own record goes; the
                            // partial file the data points to stays in tmp/.
                            let _ = ctx.remove_item(&resume_path(&key));
                        } else {
                            self.discard_resume_data(ctx, &key, data);
                        }
                    }
                }
            }
        }
        self.save(ctx);
    }
}

impl Core {
    /// Giving up on a download whose resume data keeps bytes in tmp/: a task made from the
    /// data and cancelled at once lets the daemon delete them (RES-7: the app cannot know
    /// where they are), so no partial file is left behind.
    /// While no task can be made, the data is kept for the next session to discard.
    fn discard_resume_data(&mut self, ctx: &mut AppContext<'_>, key: &str, data: &ResumeData) {
        let Some(session) = self.session.filter(|_| !self.session_busy()) else {
            return keep_resume_data(ctx, key, data);
        };
        let _ = ctx.remove_item(&resume_path(key));
        if let Ok(task) = ctx.download_task_with_resume_data(session, data) {
            ctx.cancel(&task);
        }
    }

    /// INV-1 / INV-2: resume data of a download that was cancelled (a sign-out) or given
    /// up while the session was being invalidated could not be discarded then; with the
    /// new session it is, so its partial file leaves tmp/ (RES-7).
    fn discard_leftover_resume_data(&mut self, ctx: &mut AppContext<'_>) {
        let leftover = keys_where(&self.store.downloads, |k, d| {
            matches!(d.status, Status::Cancelled | Status::Failed)
                && ctx.file_exists(&resume_path(k))
        });
        for key in leftover {
            self.discard_stored_resume_data(ctx, &key);
        }
    }

    /// Discards the resume data stored for `key`, if there is some.
    fn discard_stored_resume_data(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        if let Ok(bytes) = ctx.read_file(&resume_path(key)) {
            self.discard_resume_data(ctx, key, &ResumeData::from_bytes(bytes));
        }
    }

    fn key_for_destination(&self, destination: &str) -> Option<String> {
        self.store
            .downloads
            .iter()
            .rev()
            .find(|(_, d)| d.destination == destination)
            .map(|(k, _)| k.clone())
    }

    /// RES-2: pause with `cancel(byProducingResumeData:)`, keeping the data to resume.
    fn pause_download(&mut self, ctx: &mut AppContext<'_>, destination: &str) {
        let Some(key) = self.key_for_destination(destination) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("found above");
        let Some(task_id) = d.task_id.filter(|_| d.status == Status::Running) else {
            return;
        };
        d.user_paused = true;
        self.set_status(ctx, &key, Status::Paused);
        self.save(ctx);
        let task = TaskKey {
            session: SESSION_ID.to_string(),
            task_id,
        };
        ctx.cancel_producing_resume_data(&task, move |ctx, data| match data {
            Some(data) => keep_resume_data(ctx, &key, &data),
            None => ctx.log(format!("{key}: not resumable; it will start over")),
        });
    }

    /// RES-4 / RES-5: a new task from the stored resume data (consumed), or from scratch.
    fn resume_paused(&mut self, ctx: &mut AppContext<'_>, destination: &str) {
        let Some(key) = self.key_for_destination(destination) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("found above");
        if !d.user_paused {
            return;
        }
        if self.bug == Some(Bug::PausedWithoutResumeData) && !ctx.file_exists(&resume_path(&key)) {
            // docs/bugs.md#rd-01: the pause gave no resume data, and the mutant has nothing to
            // resume from; the download stays paused for good.
            ctx.log(format!("{key}: no resume data; cannot resume"));
            return;
        }
        if d.task_id.is_some() {
            // RES-2: the pause's cancel has not completed, so its resume data is not here
            // yet. Starting from scratch now would leave that data, and the partial file it
            // keeps in tmp/, unused: resume once the -999 arrives.
            d.resume_requested = true;
            ctx.log(format!("{key}: resumes once its pause is done"));
            self.save(ctx);
            return;
        }
        d.user_paused = false;
        d.attempts = 0;
        self.start_task(ctx, &key);
        self.save(ctx);
    }

    /// INV-1 / INV-2: stop the session, now (cancelling everything) or once its tasks are
    /// done. New downloads wait for did-become-invalid, then get a new session.
    fn stop_session(&mut self, ctx: &mut AppContext<'_>, cancel: bool) {
        let Some(session) = self.session.filter(|_| !self.invalidating) else {
            return;
        };
        if cancel {
            // A finished file waiting for the unlock to be moved is kept (TF-06).
            let open = keys_where(&self.store.downloads, |_, d| {
                !matches!(d.status, Status::Done | Status::Failed | Status::Cancelled)
                    && !d.pending_move
            });
            for key in open {
                // RES-7: the data goes with the partial file it keeps in tmp/, while the
                // session can still take the task that discards it.
                self.discard_stored_resume_data(ctx, &key);
                let d = self.store.downloads.get_mut(&key).expect("listed above");
                d.user_paused = false;
                self.set_status(ctx, &key, Status::Cancelled);
            }
        }
        self.invalidating = true;
        self.save(ctx);
        ctx.invalidate(session, cancel);
    }

    /// Whether a task made now would be refused: the session is being invalidated
    /// (INV-1, INV-2; with the LC-08 bug it is used all the same) or an extension holds it
    /// (ID-5). New work waits as `queued` until the session is made again.
    fn session_busy(&self) -> bool {
        self.invalidating && self.bug != Some(Bug::TaskOnInvalidatedSession) || self.refused
    }

    /// Starts the downloads and uploads that waited for a session.
    fn start_queued(&mut self, ctx: &mut AppContext<'_>) {
        for key in keys_where(&self.store.downloads, |_, d| d.status == Status::Queued) {
            self.start_task(ctx, &key);
        }
        self.start_queued_uploads(ctx);
    }
}

fn open_session(
    ctx: &mut AppContext<'_>,
    core: &Rc<RefCell<Core>>,
    settings: &SessionSettings,
) -> SessionHandle {
    let delegate = Rc::new(RefCell::new(Delegate {
        core: Rc::clone(core),
    }));
    // ID-7: the same configuration at every launch; the session copies it.
    let config = settings.apply(SessionConfig::background(SESSION_ID));
    ctx.create_background_session(config, delegate)
}

impl App for ReferenceApp {
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
        self.core.borrow_mut().new_upload(ctx, url, content);
    }

    fn user_tapped_fetch(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        self.core.borrow_mut().new_fetch(ctx, url, destination);
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
            _ => {
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
        core.store.next_key += 1;
        let key = format!("d{}", core.store.next_key);
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

impl DownloadDelegate for Delegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        let Some(key) = self.core.borrow().key_of(task) else {
            return;
        };
        if self.core.borrow().bug == Some(Bug::DividesByUnknownLength) {
            // docs/bugs.md#pr-01: divides by -1 when the length is unknown (PROG-2).
            return ctx.report_progress(&key, total as f64 / expected as f64);
        }
        // PROG-2: with an unknown length (-1) the bar is indeterminate, not a fraction.
        if expected > 0 {
            let fraction = (total as f64 / expected as f64).min(1.0);
            if self.core.borrow().bug == Some(Bug::ProgressOnMainQueue) {
                // docs/bugs.md#cc-02: progress goes to the main queue, the status stays on the
                // delegate queue, so the two arrive in a different order than they happened.
                let show = move |ctx: &mut AppContext<'_>| ctx.report_progress(&key, fraction);
                return ctx.dispatch(Queue::Main, "show progress", show);
            }
            ctx.report_progress(&key, fraction);
            if self.core.borrow().bug == Some(Bug::StoreWrittenFromTwoQueues) {
                // docs/bugs.md#cc-01: progress is persisted from the main queue, from a copy
                // of the store taken now; a status saved meanwhile from the delegate queue
                // is overwritten by this older copy.
                let core = self.core.borrow();
                let stale = serde_json::to_vec_pretty(&core.store).expect("serialises");
                let path = core.store_path().to_string();
                let save = move |ctx: &mut AppContext<'_>| {
                    let _ = ctx.write_file(&path, &stale);
                };
                ctx.dispatch(Queue::Main, "save progress", save);
            }
        }
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let ok = task
            .response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status));
        if ok && self.core.borrow().bug == Some(Bug::AsyncMove) {
            // docs/bugs.md#tf-02: the mutant moves the file from a later block on the main
            // queue; by then iOS has deleted it, and the download fails for want of a file.
            let to = {
                let core = self.core.borrow();
                core.key_of(task)
                    .map(|k| core.store.downloads[&k].destination.clone())
            };
            let location = location.to_string();
            ctx.dispatch(Queue::Main, "move the file", move |ctx| {
                if let Some(Err(e)) = to.map(|to| ctx.move_item(&location, &to)) {
                    ctx.log(format!("could not move the file: {e}"));
                }
            });
            return;
        }
        self.core.borrow_mut().finished(ctx, task, location);
    }

    fn did_send_body_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        self.core
            .borrow_mut()
            .upload_progress(ctx, task, total, expected);
    }

    fn did_receive_data(&mut self, _: &mut AppContext<'_>, task: &TaskInfo, data: &[u8]) {
        self.core.borrow_mut().received(task, data);
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        self.core.borrow_mut().completed(ctx, task, error);
    }

    /// ID-5: -996 means an app extension holds the identifier. Making the session again
    /// now would only be refused again: note it; downloads wait in `queued`, and the
    /// session is made again at the next foreground, wake or launch.
    fn did_become_invalid_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        session: &str,
        error: Option<&UrlError>,
    ) {
        let in_use =
            error.is_some_and(|e| e.code == UrlError::BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS);
        if !in_use {
            return self.did_become_invalid(ctx, session);
        }
        ctx.log(format!(
            "session {session} is in use by another process; downloads wait for it"
        ));
        let mut core = self.core.borrow_mut();
        if session == SESSION_ID {
            core.refused = true;
            core.recovering = false;
            core.session = None;
        } else {
            core.foreign_sessions.remove(session);
        }
    }

    /// The old session is gone (INV-1, INV-2). iOS releases it once this callback
    /// returns, and only then may a session with its identifier be made again (ID-4): so
    /// the new one is made on the main queue, after; downloads tapped meanwhile start in it.
    /// An invalidated session sends no `didFinishEvents`: a wake's handler still held for
    /// it is called here, its events being all delivered (CH-1).
    fn did_become_invalid(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        let core = Rc::clone(&self.core);
        let session = session.to_string();
        ctx.dispatch(Queue::Main, "open a new session", move |ctx| {
            let handler = core.borrow_mut().handlers.remove(&session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
            let settings = core.borrow().settings.clone();
            let session = open_session(ctx, &core, &settings);
            let mut c = core.borrow_mut();
            c.session = Some(session);
            c.invalidating = false;
            c.discard_leftover_resume_data(ctx);
            c.start_queued(ctx);
            c.save(ctx);
        });
    }

    fn did_receive_challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        self.core
            .borrow_mut()
            .challenge(ctx, task, challenge, completion);
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        if self.core.borrow().bug == Some(Bug::HandlerOnDelegateQueue) {
            // docs/bugs.md#ch-03: called right here, on the delegate queue.
            let handler = self.core.borrow_mut().handlers.remove(session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
            return;
        }
        let core = Rc::clone(&self.core);
        let session = session.to_string();
        ctx.dispatch(Queue::Main, "call the completion handler", move |ctx| {
            let handler = core.borrow_mut().handlers.remove(&session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
        });
    }
}
