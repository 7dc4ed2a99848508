//! The reference app's store: what it keeps of each download, upload and fetch, and how
//! that is saved in the container.

use super::transfers;
use super::{Bug, Core, STORE_PATH};
use bgsim_simulator::app::AppContext;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
pub(super) struct Store {
    pub(super) next_key: u64,
    pub(super) downloads: BTreeMap<String, Download>,
    #[serde(default)]
    pub(super) uploads: BTreeMap<String, transfers::Upload>,
    #[serde(default)]
    pub(super) fetches: BTreeMap<String, transfers::Fetch>,
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

impl Core {
    pub(super) fn store_path(&self) -> &'static str {
        match self.bug {
            // docs/bugs.md#id-04: the store sits where data protection closes it while the
            // device is locked, so a launch in the background cannot open it.
            Some(Bug::StoreInDocuments) => "Documents/downloads.json",
            _ => STORE_PATH,
        }
    }

    pub(super) fn save(&self, ctx: &mut AppContext<'_>) {
        let json = serde_json::to_vec_pretty(&self.store).expect("the store serialises");
        // A failed save is logged; the next change saves everything again.
        if let Err(e) = ctx.write_file(self.store_path(), &json) {
            ctx.log(format!("could not save the store: {e}"));
        }
    }

    pub(super) fn load(&mut self, ctx: &mut AppContext<'_>) {
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
}
