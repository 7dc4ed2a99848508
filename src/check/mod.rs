//! The checks: properties every correct app has, judged on what a run left behind (the
//! history, the final container, the server's journal), never on the app's opinion of
//! itself. Each has an ID, a one-line statement and a plain-English explanation printed
//! with the numbered history events that break it.

mod facts;
mod files;
mod handler;
mod keep;
mod lifecycle;
mod outcome;
mod process;
mod scheduling;
mod upload;

use std::cell::RefCell;

use crate::server::{Content, FixtureServer};
use bgsim_simulator::sandbox::Sandbox;
use bgsim_simulator::History;
use facts::Facts;

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug)]
pub struct Check {
    /// The check's ID, as scenario files name it.
    pub id: &'static str,
    /// What must hold, in one line.
    pub statement: &'static str,
    /// Why, in plain English: what goes wrong on a phone when it does not hold.
    pub explanation: &'static str,
    run: fn(&Facts<'_>, &Evidence<'_>) -> Vec<Violation>,
}

/// A check that failed, with the history events that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The check's ID.
    pub check: &'static str,
    /// What happened, in one sentence.
    pub message: String,
    /// Indices of the history records that show it, in order.
    pub events: Vec<usize>,
}

/// What a run left behind.
pub struct Evidence<'a> {
    /// Every event.
    pub history: &'a History,
    /// The container at the end.
    pub sandbox: &'a Sandbox,
    /// The server (its fixtures are what was served).
    pub server: &'a FixtureServer,
    /// True when the run ran out of things to happen (no horizon cut it short), so
    /// liveness checks can judge it.
    pub settled: bool,
    /// Files already compared with served content, and what was found: the checks and the
    /// scenario's expected files often compare the same file with the same version, and a
    /// large one costs a read of the file and a regeneration of the content each time.
    compared: RefCell<Vec<(String, Content, Option<String>)>>,
}

impl<'a> Evidence<'a> {
    /// The evidence of a run that ended (`settled` when nothing was left to happen).
    pub fn new(
        history: &'a History,
        sandbox: &'a Sandbox,
        server: &'a FixtureServer,
        settled: bool,
    ) -> Evidence<'a> {
        Evidence {
            history,
            sandbox,
            server,
            settled,
            compared: RefCell::default(),
        }
    }
}

impl Violation {
    fn new(check: &'static str, message: String, mut events: Vec<usize>) -> Violation {
        events.sort_unstable();
        events.dedup();
        Violation {
            check,
            message,
            events,
        }
    }
}

/// Every check, in the order they are reported.
pub const CATALOGUE: &[Check] = &[
    // First: when the exchange with an app in another language broke, that is the finding.
    process::APP_PROTOCOL,
    handler::ONCE,
    handler::AFTER_EVENTS,
    handler::MAIN_QUEUE,
    handler::WAKE_BUDGET,
    files::TEMP_IN_CALLBACK,
    files::DELIVERED,
    files::NO_ERROR_BODY,
    files::NO_LOST_FILE,
    outcome::ONE_OUTCOME,
    outcome::NO_DUPLICATE_TASK,
    outcome::PROGRESS_SANE,
    outcome::STATE_AGREES,
    outcome::SESSION_RECONNECTED,
    files::NO_ORPHANS,
    outcome::NO_EXCEPTION,
    upload::DELIVERED,
    scheduling::TASKS_IN_FOREGROUND,
    // ---- checks added for docs/bugs.md A and B ----
    lifecycle::FORCE_QUIT_NOT_FAILURE,
    // ---- checks added for docs/bugs.md C and D ----
    keep::FINISHED_FILE_KEPT,
    keep::RESUME_DATA_USED,
    // ---- checks added for docs/bugs.md E, F, G and H ----
];

/// Compares a container file with served content: None when equal, else what differs.
pub fn compare_file(
    e: &Evidence<'_>,
    file: &str,
    content: &Content,
) -> Option<String> {
    files::compare(e, file, content)
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static Check> {
    CATALOGUE.iter().find(|c| c.id == id)
}

/// The IDs of every check.
pub fn ids() -> Vec<&'static str> {
    CATALOGUE.iter().map(|c| c.id).collect()
}

/// Runs every check; violations come in catalogue order.
pub fn judge(evidence: &Evidence<'_>) -> Vec<Violation> {
    let facts = Facts::new(evidence.history.records());
    CATALOGUE
        .iter()
        .flat_map(|c| (c.run)(&facts, evidence))
        .collect()
}
