//! Facts derived from a history once, for all checks: which callback each app action ran
//! in, the tasks and their lives, the app's downloads, wakes and processes.

use bgsim_simulator::app::{AppState, TaskKey};
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
    pub downloads: Vec<Download>,
    pub wakes: Vec<Wake>,
    pub processes: Vec<Process>,
}

fn is_terminal_state(to: AppState) -> bool {
    matches!(
        to,
        AppState::TerminatedBySystem | AppState::TerminatedByUser | AppState::Crashed
    )
}

/// Whether the daemon record `i` happened inside an SDK call: the next record that is not
/// the daemon's is the app's, at the same instant, and not a callback of its own. The
/// deletion of a temporary file follows the return of didFinishDownloadingTo (FILE-1).
fn inside_sdk_call(records: &[Record], i: usize) -> bool {
    if matches!(records[i].what, What::TempDeleted { .. }) {
        return false;
    }
    records[i..]
        .iter()
        .find(|r| r.actor != Actor::Daemon)
        .is_some_and(|next| {
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
            wakes: Vec::new(),
            processes: Vec::new(),
        };
        let mut current: Option<usize> = None;
        for (i, r) in records.iter().enumerate() {
            // App records belong to the callback they happen in; any system or daemon
            // record after a callback means it has returned, except what the daemon
            // records inside an SDK call (a resume copying an upload's file, a cancel):
            // daemon records the app's own records follow at the same instant.
            match (&r.what, r.actor) {
                (What::Callback { .. }, _) => current = Some(i),
                (_, Actor::App) => {}
                (_, Actor::Daemon) if inside_sdk_call(records, i) => {}
                _ => current = None,
            }
            f.within
                .push(if r.actor == Actor::App { current } else { None });
            f.index(i, r);
        }
        f
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
            What::Launched { in_background } => self.processes.push(Process {
                started: i,
                in_background: *in_background,
                ended: None,
            }),
            What::State { to, .. } if is_terminal_state(*to) => {
                if let Some(p) = self.processes.last_mut() {
                    p.ended.get_or_insert(i);
                }
            }
            _ => {}
        }
    }

    fn download_state(&mut self, i: usize, key: &str, state: &str) {
        if let Some(d) = self.downloads.iter_mut().find(|d| d.key == key) {
            d.states.push((i, state.to_string()));
            return;
        }
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

    /// A container path with any absolute container root stripped.
    pub fn normalise(&self, path: &str) -> String {
        if let Some(rest) = path.strip_prefix("/var/mobile/Containers/Data/Application/") {
            if let Some((_, rel)) = rest.split_once('/') {
                return rel.to_string();
            }
        }
        path.to_string()
    }

    /// Whether the run healed at the end: the network is up, and the user came back after
    /// the last force-quit (until then the app may rightly leave downloads paused).
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
        network_up && relaunched && unlocked
    }

    /// Whether the user's last word about the transfer of `url` was a pause (API-7): a
    /// transfer the user paused may rightly stay paused.
    pub fn paused_by_user(&self, url: &str) -> bool {
        self.records.iter().rev().find_map(|r| match &r.what {
            What::Step(Action::SuspendTask { url: u }) if u == url => Some(true),
            What::Step(Action::ResumeTask { url: u }) if u == url => Some(false),
            _ => None,
        }) == Some(true)
    }

    /// Sessions with a task created before `at` whose completion had not reached the app.
    pub fn pending_sessions_at(&self, at: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.created < at && t.completion_delivered.is_none_or(|c| c > at))
            .map(|(k, _)| k.session.clone())
            .collect();
        out.dedup();
        out
    }
}
