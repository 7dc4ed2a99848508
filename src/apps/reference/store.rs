//! The reference app's store: what it keeps of each download, upload and fetch, and how
//! that is saved in the container.
//!
//! Each transfer is a file of its own, `store/<key>.json`, written when that transfer
//! changes and removed when it is forgotten; the key counter is `store/next-key`. One file
//! of everything, rewritten at every change, made a session of N downloads cost N²
//! (issue 16); one change now costs one small write, and a launch reads each record once.
//! Not a journal: the container writes whole files only (`AppContext` has no append), so
//! a journal would be rewritten whole as the single file was. Each write replaces one
//! whole file, as the single file's did, so a process killed between two events leaves
//! every record old or new, never half; and a record that cannot be read costs only
//! itself, not the whole store.

use super::transfers::{Fetch, Upload};
use super::{keys_where, Bug, Core};
use bgsim_simulator::app::AppContext;
use bgsim_simulator::sandbox::FsError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

/// Where the store's files are.
const STORE_DIR: &str = "Library/Application Support/store";
/// The file of the key counter, in the store's folder: not a record (no `.json`).
const NEXT_KEY_FILE: &str = "next-key";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Status {
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
pub(super) struct Download {
    pub(super) url: String,
    pub(super) destination: String,
    pub(super) status: Status,
    /// The daemon task currently working on it.
    pub(super) task_id: Option<u64>,
    pub(super) attempts: u32,
    /// The response status when it was not 2xx.
    pub(super) http_status: Option<u16>,
    /// The file is in place (moved inside did-finish-downloading-to).
    pub(super) file_ready: bool,
    /// Why it failed, in words.
    pub(super) failure: Option<String>,
    /// Seconds the server asked to wait before retrying (503/429 Retry-After).
    #[serde(default)]
    pub(super) retry_after_s: Option<u64>,
    /// The file waits in PENDING_DIR for the device to unlock (TF-06).
    #[serde(default)]
    pub(super) pending_move: bool,
    /// The user paused it: by cancelling it with resume data (a download, RES-2) or by
    /// suspending its task (API-7). Either way its cancellation is not a failure.
    #[serde(default)]
    pub(super) user_paused: bool,
    /// The last file was shorter than announced (RES-6): thrown away, to fetch again whole.
    #[serde(default)]
    pub(super) short_file_discarded: bool,
    /// The user resumed before the pause's cancel completed: resume from its data then.
    #[serde(default)]
    pub(super) resume_requested: bool,
    /// HTTP-4: the server refused the app's credentials; the challenge was cancelled, so
    /// its -999 is a failure that asking again cannot heal.
    #[serde(default)]
    pub(super) auth_refused: bool,
    /// OS-4: the finished file could not be moved for want of space (and is gone): paused,
    /// to be fetched again when the user next opens the app.
    #[serde(default)]
    pub(super) waiting_for_space: bool,
}

impl Download {
    /// A download the user just asked for, about to get its first task.
    pub(super) fn new(url: String, destination: String) -> Download {
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
            waiting_for_space: false,
        }
    }
}

impl Status {
    /// The word reported for it (see `AppContext::report_download_state`).
    pub(super) fn word(self) -> &'static str {
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

/// The transfers of one kind, by key, noting which ones changed since the last save. Read
/// through `Deref`; changed only through `insert`, `get_mut` and `remove`, so that no
/// change can miss its save.
pub(super) struct Records<T> {
    map: BTreeMap<String, T>,
    changed: BTreeSet<String>,
}

impl<T> Default for Records<T> {
    fn default() -> Records<T> {
        Records {
            map: BTreeMap::new(),
            changed: BTreeSet::new(),
        }
    }
}

impl<T> Deref for Records<T> {
    type Target = BTreeMap<String, T>;

    fn deref(&self) -> &BTreeMap<String, T> {
        &self.map
    }
}

impl<T> Records<T> {
    pub(super) fn insert(&mut self, key: String, value: T) {
        self.changed.insert(key.clone());
        self.map.insert(key, value);
    }

    /// The record of `key`, to change: it is saved at the next save.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        let value = self.map.get_mut(key)?;
        self.changed.insert(key.to_string());
        Some(value)
    }

    pub(super) fn remove(&mut self, key: &str) -> Option<T> {
        let value = self.map.remove(key)?;
        self.changed.insert(key.to_string());
        Some(value)
    }
}

/// One record's file: a transfer of one of the three kinds. The kind is written, not read
/// from the key: a fetch that becomes a download keeps its key (API-4).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Record {
    Download(Download),
    Upload(Upload),
    Fetch(Fetch),
}

#[derive(Default)]
pub(super) struct Store {
    next_key: u64,
    pub(super) downloads: Records<Download>,
    pub(super) uploads: Records<Upload>,
    pub(super) fetches: Records<Fetch>,
    /// The bytes of each record this process last wrote or read, as it believes its file
    /// holds them: a changed record is written only if it differs, and a forgotten one
    /// removed only if it has a file.
    saved: BTreeMap<String, Vec<u8>>,
    /// The counter as last written or read.
    saved_next_key: u64,
    /// Records whose write or removal failed: tried again at the next save.
    unsaved: BTreeSet<String>,
    /// The store's folder exists: this process listed it or made it.
    dir_ready: bool,
}

/// The file of `key`'s record in the store's folder `dir`.
pub(super) fn record_path(dir: &str, key: &str) -> String {
    format!("{dir}/{key}.json")
}

/// The number in a key (`d12` → 12).
fn key_number(key: &str) -> Option<u64> {
    key.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

impl Store {
    /// A key no transfer has had: `prefix`, then a number.
    pub(super) fn new_key(&mut self, prefix: &str) -> String {
        self.next_key += 1;
        format!("{prefix}{}", self.next_key)
    }

    /// Every record in `dir`. One that cannot be read is logged and left out; the others
    /// are the app's all the same.
    fn load(ctx: &mut AppContext<'_>, dir: &str) -> Store {
        let mut store = Store::default();
        let names = match ctx.list_dir(dir) {
            Ok(names) => names,
            Err(FsError::NotFound) => return store,
            Err(e) => {
                ctx.log(format!("the store is unreadable ({e}); starting empty"));
                return store;
            }
        };
        store.dir_ready = true;
        for name in names {
            let path = format!("{dir}/{name}");
            if name == NEXT_KEY_FILE {
                let text = ctx
                    .read_file(&path)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                match text.and_then(|t| t.parse().ok()) {
                    Some(n) => store.next_key = store.next_key.max(n),
                    None => ctx.log("the key counter is unreadable"),
                }
                continue;
            }
            let Some(key) = name.strip_suffix(".json") else {
                continue;
            };
            let bytes = ctx.read_file(&path).unwrap_or_default();
            let Ok(record) = serde_json::from_slice(&bytes) else {
                ctx.log(format!("{key}: its record is unreadable; left out"));
                continue;
            };
            // Were the counter lost, it must still not hand out a key a record has.
            store.next_key = store.next_key.max(key_number(key).unwrap_or(0));
            // Loaded as saved: not changed.
            let key = key.to_string();
            match record {
                Record::Download(d) => {
                    store.downloads.map.insert(key.clone(), d);
                }
                Record::Upload(u) => {
                    store.uploads.map.insert(key.clone(), u);
                }
                Record::Fetch(f) => {
                    store.fetches.map.insert(key.clone(), f);
                }
            }
            store.saved.insert(key, bytes);
        }
        store.saved_next_key = store.next_key;
        store
    }

    /// The record of `key` as it is now, if the key is still the app's.
    fn record(&self, key: &str) -> Option<Record> {
        (self.downloads.get(key).cloned().map(Record::Download))
            .or_else(|| self.uploads.get(key).cloned().map(Record::Upload))
            .or_else(|| self.fetches.get(key).cloned().map(Record::Fetch))
    }

    /// The file of `key`'s record as it would be written now.
    pub(super) fn record_bytes(&self, key: &str) -> Option<Vec<u8>> {
        let record = self.record(key)?;
        Some(serde_json::to_vec_pretty(&record).expect("a record serialises"))
    }

    /// Writes what changed since the last save into `dir`: the counter first (a key handed
    /// out is never handed out again), then each changed record, in key order, or its
    /// file removed if the app forgot it. A failure is logged and tried again next time.
    fn save(&mut self, ctx: &mut AppContext<'_>, dir: &str) {
        if self.next_key != self.saved_next_key {
            let path = format!("{dir}/{NEXT_KEY_FILE}");
            let text = self.next_key.to_string();
            match (self.make_dir(ctx, dir)).and_then(|()| ctx.write_file(&path, text.as_bytes())) {
                Ok(()) => self.saved_next_key = self.next_key,
                Err(e) => ctx.log(format!("could not save the key counter: {e}")),
            }
        }
        let mut changed = std::mem::take(&mut self.unsaved);
        changed.append(&mut self.downloads.changed);
        changed.append(&mut self.uploads.changed);
        changed.append(&mut self.fetches.changed);
        for key in changed {
            let path = record_path(dir, &key);
            let done = match self.record_bytes(&key) {
                Some(bytes) if self.saved.get(&key) == Some(&bytes) => Ok(()),
                Some(bytes) => {
                    let written =
                        (self.make_dir(ctx, dir)).and_then(|()| ctx.write_file(&path, &bytes));
                    if written.is_ok() {
                        self.saved.insert(key.clone(), bytes);
                    }
                    written
                }
                None if self.saved.contains_key(&key) => {
                    let removed = ctx.remove_item(&path);
                    if removed.is_ok() {
                        self.saved.remove(&key);
                    }
                    removed
                }
                None => Ok(()),
            };
            if let Err(e) = done {
                ctx.log(format!("could not save {key}: {e}"));
                self.unsaved.insert(key);
            }
        }
    }

    /// Makes the store's folder the first time this process writes into it.
    fn make_dir(&mut self, ctx: &mut AppContext<'_>, dir: &str) -> Result<(), FsError> {
        if !self.dir_ready {
            ctx.create_dir_all(dir)?;
            self.dir_ready = true;
        }
        Ok(())
    }
}

/// Something done once a record is on disk (see [`Core::when_saved`]).
pub(super) enum AfterSave {
    /// Report the transfer's state to the user.
    Report { key: String, word: &'static str },
    /// Remove a file the transfer no longer needs.
    Remove { key: String, path: String },
}

impl AfterSave {
    fn key(&self) -> &str {
        match self {
            AfterSave::Report { key, .. } | AfterSave::Remove { key, .. } => key,
        }
    }
}

impl Core {
    /// Where the store's files are.
    pub(super) fn store_dir(&self) -> &'static str {
        match self.bug {
            // docs/bugs.md#id-04: the store sits where data protection closes it while the
            // device is locked, so a launch in the background cannot read it.
            Some(Bug::StoreInDocuments) => "Documents/store",
            _ => STORE_DIR,
        }
    }

    /// Saves what changed (see [`Store::save`]), then does what waited for its record.
    pub(super) fn save(&mut self, ctx: &mut AppContext<'_>) {
        let dir = self.store_dir();
        self.store.save(ctx, dir);
        let (ready, waiting) = std::mem::take(&mut self.after_save)
            .into_iter()
            .partition(|a| self.saved(a.key()) || self.forget_stale(ctx, dir, a.key()));
        self.after_save = waiting;
        for action in ready {
            match action {
                AfterSave::Report { key, word } => ctx.report_download_state(&key, word),
                AfterSave::Remove { path, .. } => {
                    let _ = ctx.remove_item(&path);
                }
            }
        }
    }

    /// A record that could not be written is removed instead (a removal needs no room), so
    /// that no later process takes the transfer for still running; it is written again
    /// with the next save that can. Whether the stale record is gone.
    fn forget_stale(&mut self, ctx: &mut AppContext<'_>, dir: &str, key: &str) -> bool {
        if !self.store.saved.contains_key(key) {
            return true;
        }
        let removed = ctx.remove_item(&record_path(dir, key)).is_ok();
        if removed {
            self.store.saved.remove(key);
        }
        removed
    }

    /// Whether `key`'s record is as saved (nothing of it waits for a write).
    pub(super) fn saved(&self, key: &str) -> bool {
        !self.store.unsaved.contains(key)
    }

    /// Shows the user a transfer's ending, or removes a file it no longer needs, once its
    /// record is on disk, or the stale one gone: an app killed before it can write (a full
    /// disk, OS-4) would start again from a record that still says running, and the user
    /// would see the transfer end twice.
    pub(super) fn when_saved(&mut self, action: AfterSave) {
        self.after_save.push(action);
    }

    /// Reports `word` for `key` now, or, when it is an ending and a record of the transfer
    /// is on disk, once that record says so.
    pub(super) fn report(&mut self, ctx: &mut AppContext<'_>, key: &str, word: &'static str) {
        // A state shown now supersedes an ending not shown yet.
        (self.after_save).retain(|a| !matches!(a, AfterSave::Report { key: k, .. } if k == key));
        // Only a record already on disk can mislead a relaunch; a new one is not known there.
        let on_disk = self.store.saved.contains_key(key);
        match word {
            "done" | "failed" | "cancelled" if on_disk => self.when_saved(AfterSave::Report {
                key: key.to_string(),
                word,
            }),
            _ => ctx.report_download_state(key, word),
        }
    }

    pub(super) fn load(&mut self, ctx: &mut AppContext<'_>) {
        self.store = Store::load(ctx, self.store_dir());
        if self.bug == Some(Bug::PauseNotPersisted) {
            // docs/bugs.md#id-05: the pause was kept in memory only; the restart forgets it.
            for key in keys_where(&self.store.downloads, |_, d| d.user_paused) {
                let d = self.store.downloads.get_mut(&key).expect("listed above");
                d.user_paused = false;
            }
        }
    }
}
