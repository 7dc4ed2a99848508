//! Facts derived from a history once, for all checks: which callback each app action ran
//! in, the tasks and their lives, the app's downloads, wakes and processes.

use bgsim_simulator::app::{AppState, Queue, TaskKey};
use bgsim_simulator::trace::{Actor, Callback, Record, What};
use bgsim_simulator::Action;
use std::collections::BTreeMap;

/// A task's life as the history tells it.
#[derive(Default)]
pub(crate) struct TaskLife {
    pub created: usize,
    /// `taskDescription`, when the app set one (its key for the download).
    pub description: Option<String>,
    /// The daemon finished or failed it (`Downloaded` / `Failed`).
    pub ended: Option<usize>,
    /// did-finish-downloading-to: (record, location, status).
    pub finished: Option<(usize, String, u16)>,
    /// did-complete-with-error reached the app.
    pub completion_delivered: Option<usize>,
    /// The app suspended the task (API-7) and has not resumed it since.
    pub suspended: bool,
    /// OS-3: the app was deleted before the task completed: the daemon dropped it, and
    /// nothing of it can reach the app again (the record of the reinstall).
    pub gone: Option<usize>,
}

impl TaskLife {
    /// Whether the app learned how the task ended, or never can (its install is gone).
    pub fn settled_for_app(&self) -> bool {
        self.completion_delivered.is_some() || self.gone.is_some()
    }
}

/// One of the app's downloads, by the key it reports.
pub(crate) struct Download {
    pub key: String,
    /// The user's request it answers: the download callback it was first reported in.
    pub request: Option<usize>,
    pub url: Option<String>,
    pub destination: Option<String>,
    /// For an upload: the length and FNV-1a 64 hash of the bytes the user picked.
    pub upload: Option<(u64, u64)>,
    /// Every state reported, in order: (record, state).
    pub states: Vec<(usize, String)>,
}

/// A background wake.
pub(crate) struct Wake {
    pub at: usize,
    pub session: String,
    pub handler: u64,
    pub budget_us: u64,
}

/// A process, from its start to its end (or the end of the history).
pub(crate) struct Process {
    pub started: usize,
    pub in_background: bool,
    pub ended: Option<usize>,
}

/// Terminal states of a download, as apps report them.
pub(crate) const TERMINAL: [&str; 3] = ["done", "failed", "cancelled"];

pub(crate) struct Facts<'a> {
    pub records: &'a [Record],
    /// For each record, the callback (record index) it happened inside, if any.
    pub within: Vec<Option<usize>>,
    pub tasks: BTreeMap<TaskKey, TaskLife>,
    /// The downloads the app of the last install reports (an install's end state is
    /// judged only for the install that is still there: OS-3).
    pub downloads: Vec<Download>,
    /// The downloads of installs deleted since (OS-3), judged only on their history.
    pub earlier_downloads: Vec<Download>,
    /// The record of the last reinstall (OS-3), if any.
    pub last_reinstall: Option<usize>,
    pub wakes: Vec<Wake>,
    pub processes: Vec<Process>,
    /// Where each key's download is in `downloads`, so each report finds it in O(log n).
    download_at: BTreeMap<String, usize>,
    // Indexes built once, so that no check scans the history once per task, download or
    // wake: every check stays O(n log n) in the history's length.
    /// The download first reported inside each request callback.
    request_download: BTreeMap<usize, usize>,
    /// The tasks described with each key, in task order.
    by_description: BTreeMap<String, Vec<TaskKey>>,
    /// The tasks created inside each callback (by the callback's record).
    created_in: BTreeMap<usize, Vec<TaskKey>>,
    /// Each completion handler's calls: (record, queue).
    handler_calls: BTreeMap<u64, Vec<(usize, Queue)>>,
    /// The record where the system gave up on each handler (never called, or out of time).
    handler_given_up: BTreeMap<u64, usize>,
    /// The user's last word about each URL's transfer: paused (true) or resumed (API-7).
    user_paused: BTreeMap<String, bool>,
    /// For each record inside a callback, the last record of the unbroken run of that
    /// callback's records it is in (itself when the next record is not the callback's).
    run_end: Vec<usize>,
    /// The last record at which a process ended.
    pub last_process_end: Option<usize>,
}

fn is_terminal_state(to: AppState) -> bool {
    matches!(
        to,
        AppState::TerminatedBySystem | AppState::TerminatedByUser | AppState::Crashed
    )
}

/// For each record, the index of the first record at or after it that is not the daemon's:
/// one backward pass, so that asking it for every daemon record stays linear.
fn next_not_daemon(records: &[Record]) -> Vec<Option<usize>> {
    let mut next = vec![None; records.len()];
    let mut seen = None;
    for (i, r) in records.iter().enumerate().rev() {
        if r.actor != Actor::Daemon {
            seen = Some(i);
        }
        next[i] = seen;
    }
    next
}

/// Whether the daemon record `i` happened inside an SDK call: the next record that is not
/// the daemon's is the app's, at the same instant, and not a callback of its own. The
/// deletion of a temporary file follows the return of didFinishDownloadingTo (FILE-1).
fn inside_sdk_call(records: &[Record], next: &[Option<usize>], i: usize) -> bool {
    if matches!(records[i].what, What::TempDeleted { .. }) {
        return false;
    }
    next[i].map(|n| &records[n]).is_some_and(|next| {
        next.actor == Actor::App
            && next.at == records[i].at
            && !matches!(next.what, What::Callback { .. })
    })
}

impl<'a> Facts<'a> {
    pub fn new(records: &'a [Record]) -> Facts<'a> {
        let mut f = Facts {
            records,
            within: Vec::with_capacity(records.len()),
            tasks: BTreeMap::new(),
            downloads: Vec::new(),
            earlier_downloads: Vec::new(),
            last_reinstall: None,
            wakes: Vec::new(),
            processes: Vec::new(),
            download_at: BTreeMap::new(),
            request_download: BTreeMap::new(),
            by_description: BTreeMap::new(),
            created_in: BTreeMap::new(),
            handler_calls: BTreeMap::new(),
            handler_given_up: BTreeMap::new(),
            user_paused: BTreeMap::new(),
            run_end: Vec::new(),
            last_process_end: None,
        };
        let next = next_not_daemon(records);
        let mut current: Option<usize> = None;
        for (i, r) in records.iter().enumerate() {
            // App records belong to the callback they happen in; any system or daemon
            // record after a callback means it has returned, except what the daemon
            // records inside an SDK call (a resume copying an upload's file, a cancel):
            // daemon records the app's own records follow at the same instant.
            match (&r.what, r.actor) {
                (What::Callback { .. }, _) => current = Some(i),
                (_, Actor::App) => {}
                (_, Actor::Daemon) if inside_sdk_call(records, &next, i) => {}
                _ => current = None,
            }
            f.within
                .push(if r.actor == Actor::App { current } else { None });
            f.index(i, r);
        }
        for (key, t) in &f.tasks {
            // A task of a deleted install is not the new install's, whatever it is called.
            let this_install = f.of_this_install(t.created);
            if let Some(d) = t.description.as_ref().filter(|_| this_install) {
                f.by_description.entry(d.clone()).or_default().push(key.clone());
            }
            if let Some(cb) = f.within[t.created] {
                f.created_in.entry(cb).or_default().push(key.clone());
            }
        }
        for (at, d) in f.downloads.iter().enumerate() {
            if let Some(request) = d.request {
                f.request_download.entry(request).or_insert(at);
            }
        }
        f.run_end = (0..records.len()).collect();
        for i in (0..records.len().saturating_sub(1)).rev() {
            if f.within[i].is_some() && f.within[i + 1] == f.within[i] {
                f.run_end[i] = f.run_end[i + 1];
            }
        }
        f.last_process_end = f.processes.iter().filter_map(|p| p.ended).max();
        f
    }

    /// The download the app reports under `key`.
    pub fn download(&self, key: &str) -> Option<&Download> {
        self.download_at.get(key).map(|&d| &self.downloads[d])
    }

    /// The download first reported inside request callback `request`.
    pub fn download_of_request(&self, request: usize) -> Option<&Download> {
        self.request_download.get(&request).map(|&d| &self.downloads[d])
    }

    /// The tasks described with the app's key `key`.
    pub fn tasks_described<'s>(
        &'s self,
        key: &str,
    ) -> impl Iterator<Item = (&'s TaskKey, &'s TaskLife)> + 's {
        let keys = self.by_description.get(key).map_or(&[][..], |v| &v[..]);
        keys.iter().map(|k| (k, &self.tasks[k]))
    }

    /// The tasks created inside the callback at record `callback`.
    pub fn tasks_created_in(
        &self,
        callback: usize,
    ) -> impl Iterator<Item = (&TaskKey, &TaskLife)> + '_ {
        let keys = self.created_in.get(&callback).map_or(&[][..], |v| &v[..]);
        keys.iter().map(|k| (k, &self.tasks[k]))
    }

    /// The calls of completion handler `handler`: (record, queue), in order.
    pub fn handler_calls(&self, handler: u64) -> &[(usize, Queue)] {
        self.handler_calls.get(&handler).map_or(&[], |v| &v[..])
    }

    /// Where the system gave up on `handler`: never called, or its wake out of time.
    pub fn handler_given_up(&self, handler: u64) -> Option<usize> {
        self.handler_given_up.get(&handler).copied()
    }

    fn index(&mut self, i: usize, r: &Record) {
        match &r.what {
            What::TaskCreated { task, .. }
            | What::UploadTaskCreated { task, .. }
            | What::DataTaskCreated { task, .. } => {
                self.tasks.insert(
                    task.clone(),
                    TaskLife {
                        created: i,
                        ..TaskLife::default()
                    },
                );
            }
            What::Paused { task, .. } | What::TaskResumed { task } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.suspended = matches!(r.what, What::Paused { .. });
                }
            }
            What::TaskDescribed { task, description } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.description = Some(description.clone());
                }
            }
            What::Downloaded { task, .. }
            | What::Failed { task, .. }
            | What::Uploaded { task, .. }
            | What::Fetched { task, .. } => {
                if let Some(t) = self.tasks.get_mut(task) {
                    t.ended.get_or_insert(i);
                }
            }
            What::Callback { callback, .. } => match callback {
                Callback::DidFinishDownloadingTo {
                    task,
                    location,
                    status,
                } => {
                    if let Some(t) = self.tasks.get_mut(task) {
                        t.finished = Some((i, location.clone(), *status));
                    }
                }
                Callback::DidCompleteWithError { task, .. } => {
                    if let Some(t) = self.tasks.get_mut(task) {
                        t.completion_delivered.get_or_insert(i);
                    }
                }
                _ => {}
            },
            What::DownloadState { key, state } => self.download_state(i, key, state),
            What::Wake {
                session,
                handler,
                budget,
            } => self.wakes.push(Wake {
                at: i,
                session: session.clone(),
                handler: *handler,
                budget_us: budget.as_micros() as u64,
            }),
            What::Step(Action::SuspendTask { url }) => {
                self.user_paused.insert(url.clone(), true);
            }
            What::Step(Action::ResumeTask { url }) => {
                self.user_paused.insert(url.clone(), false);
            }
            What::HandlerCalled { handler, queue, .. } => {
                let calls = self.handler_calls.entry(*handler).or_default();
                calls.push((i, queue.clone()));
            }
            // OS-6: the async form returns on the main actor; it ends the wake's work as
            // a call of the handler does.
            What::HandleEventsReturned { handler, .. } => {
                let calls = self.handler_calls.entry(*handler).or_default();
                calls.push((i, Queue::Main));
            }
            What::HandlerNeverCalled { handler, .. } | What::WakeBudgetExceeded { handler, .. } => {
                self.handler_given_up.entry(*handler).or_insert(i);
            }
            What::Launched { in_background } => self.processes.push(Process {
                started: i,
                in_background: *in_background,
                ended: None,
            }),
            What::Reinstalled { .. } => {
                for t in self.tasks.values_mut() {
                    if t.completion_delivered.is_none() {
                        t.gone.get_or_insert(i);
                        t.ended.get_or_insert(i);
                    }
                }
                self.earlier_downloads.append(&mut self.downloads);
                self.download_at.clear();
                self.user_paused.clear();
                self.last_reinstall = Some(i);
            }
            What::State { to, .. } if is_terminal_state(*to) => {
                if let Some(p) = self.processes.last_mut() {
                    p.ended.get_or_insert(i);
                }
            }
            _ => {}
        }
    }

    fn download_state(&mut self, i: usize, key: &str, state: &str) {
        if let Some(&d) = self.download_at.get(key) {
            self.downloads[d].states.push((i, state.to_string()));
            return;
        }
        self.download_at.insert(key.to_string(), self.downloads.len());
        // The first report links the key to the user's request it was made in: a download,
        // a fetch (kept at a destination too) or an upload.
        let request = self.within[i].filter(|&c| {
            matches!(
                &self.records[c].what,
                What::Callback {
                    callback: Callback::UserTappedDownload { .. }
                        | Callback::UserTappedFetch { .. }
                        | Callback::UserTappedUpload { .. },
                    ..
                }
            )
        });
        let (url, destination, upload) = match request.map(|c| &self.records[c].what) {
            Some(What::Callback {
                callback:
                    Callback::UserTappedDownload { url, destination }
                    | Callback::UserTappedFetch { url, destination },
                ..
            }) => (Some(url.clone()), Some(destination.clone()), None),
            Some(What::Callback {
                callback: Callback::UserTappedUpload { url, size, fnv1a64 },
                ..
            }) => (Some(url.clone()), None, Some((*size, *fnv1a64))),
            _ => (None, None, None),
        };
        self.downloads.push(Download {
            key: key.to_string(),
            request,
            url,
            destination,
            upload,
            states: vec![(i, state.to_string())],
        });
    }

    /// Whether record `i` belongs to the install that is still there (OS-3): only its
    /// container is left to judge.
    pub fn of_this_install(&self, i: usize) -> bool {
        self.last_reinstall.is_none_or(|r| i > r)
    }

    /// A container path with any absolute container root stripped.
    pub fn normalise(&self, path: &str) -> String {
        if let Some(rest) = path.strip_prefix("/var/mobile/Containers/Data/Application/") {
            if let Some((_, rel)) = rest.split_once('/') {
                return rel.to_string();
            }
        }
        path.to_string()
    }

    /// Whether the run healed at the end: the network is up, the user came back after the
    /// last force-quit (until then the app may rightly leave downloads paused), the device
    /// is unlocked, and the disk has room again (see [`Facts::disk_healed`]).
    pub fn healed(&self) -> bool {
        let network_up = self
            .records
            .iter()
            .rev()
            .find_map(|r| match r.what {
                What::Network { up } => Some(up),
                _ => None,
            })
            .unwrap_or(true);
        let last_quit = self.records.iter().rposition(|r| {
            matches!(
                r.what,
                What::State {
                    to: AppState::TerminatedByUser,
                    ..
                }
            )
        });
        let relaunched = match last_quit {
            None => true,
            Some(q) => self.processes.iter().any(|p| p.started > q),
        };
        let unlocked = !matches!(
            self.records.iter().rev().find_map(|r| match &r.what {
                What::Step(a @ (Action::Lock | Action::Unlock)) => Some(a),
                _ => None,
            }),
            Some(Action::Lock)
        );
        network_up && relaunched && unlocked && self.disk_healed()
    }

    /// OS-4: no room is left at the end, or the user came to the app after the last time
    /// space was freed (an app cannot see space come back; it can retry when opened).
    fn disk_healed(&self) -> bool {
        let last_disk = self.records.iter().rposition(|r| {
            matches!(r.what, What::Step(Action::DiskFull { .. }))
        });
        let Some(freed) = last_disk else {
            return true;
        };
        if matches!(
            self.records[freed].what,
            What::Step(Action::DiskFull { full: true })
        ) {
            return false;
        }
        self.records[freed..].iter().any(|r| {
            matches!(
                r.what,
                What::State {
                    to: AppState::Foreground,
                    ..
                }
            )
        })
    }

    /// Whether the user's last word about the transfer of `url` was a pause (API-7): a
    /// transfer the user paused may rightly stay paused.
    pub fn paused_by_user(&self, url: &str) -> bool {
        self.user_paused.get(url) == Some(&true)
    }

    /// The last record of the unbroken run of its callback's records that record `i` is in
    /// (`i` itself outside a callback).
    pub fn callback_run_end(&self, i: usize) -> usize {
        self.run_end[i]
    }

    /// For each process, in order: the sessions (sorted) with a task created before it
    /// started whose completion had not reached the app by then. One sweep over the tasks
    /// sorted by creation and by delivery.
    pub fn pending_sessions_per_process(&self) -> Vec<Vec<String>> {
        let mut created: Vec<(usize, &str)> = (self.tasks.iter())
            .map(|(k, t)| (t.created, k.session.as_str()))
            .collect();
        let mut delivered: Vec<(usize, &str)> = (self.tasks.iter())
            .filter_map(|(k, t)| {
                let settled = t.completion_delivered.or(t.gone);
                settled.map(|c| (c, k.session.as_str()))
            })
            .collect();
        created.sort_unstable();
        delivered.sort_unstable();
        let (mut c, mut d) = (0, 0);
        let mut open: BTreeMap<&str, usize> = BTreeMap::new();
        let mut out = Vec::with_capacity(self.processes.len());
        for p in &self.processes {
            while c < created.len() && created[c].0 < p.started {
                *open.entry(created[c].1).or_default() += 1;
                c += 1;
            }
            // Every task delivered by now was created before: it is in `open`.
            while d < delivered.len() && delivered[d].0 <= p.started {
                let session = delivered[d].1;
                if let Some(n) = open.get_mut(session) {
                    *n -= 1;
                    if *n == 0 {
                        open.remove(session);
                    }
                }
                d += 1;
            }
            out.push(open.keys().map(|s| s.to_string()).collect());
        }
        out
    }
}
