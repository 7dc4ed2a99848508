//! Mutants: the reference app with exactly one real bug each, named after the bug's ID in
//! real-bugs.md. A harness is as good as the bugs it catches.
//!
//! ## real-bugs E (network), F (progress), G (identity), H (concurrency)
//!
//! Each mutant below is killed by a shipped scenario (tests/mutants_eh.rs). Entries of these
//! sections without a mutant, and why:
//!
//! - **NL-01** (background sessions do not fail when the network drops) is how iOS behaves,
//!   and the daemon models it (NET-1 to NET-4). The app-side mistakes reported with it (a
//!   short `timeoutIntervalForResource`, kiwix-apple #495) make the download fail by the
//!   app's own configuration, which no property of the history tells apart from a
//!   deliberate bound (the reference app itself gives up when the network never returns:
//!   t4-no-reconnect-resource-timeout).
//! - **PR-02** (gzip breaks progress): the model counts the bytes and the expected size of
//!   an encoded body over encoded bytes, the expected size being -1 (PROG-2, knob
//!   `encoded_length_unknown`), so the app-side mistake is PR-01's, whose mutant
//!   `pr-01-divides-by-unknown-length` is also killed by prog-2-gzip-cut-resumes-decoded.
//! - **PR-05** (progress callbacks stop after foreground/background switches) is an OS bug:
//!   the daemon always delivers didWriteData, so an app without the suspend/resume
//!   workaround is correct against it; there is no app-side mistake to switch on.
//! - **CC-01** (the database written from several threads): the model runs each queue's
//!   blocks one at a time, so a lost update needs a stale snapshot written after a newer
//!   one across the main and delegate queues and a kill before the next save; not done yet.
//! - **CC-03** (bridge and runtime thread affinity) is about another platform's bridge
//!   (React Native, Flutter), which the model has none of.
//! - **CC-04** (burst enqueue and the watchdog): the model has no main-thread watchdog
//!   (0x8badf00d) and creating a task takes no virtual time, so a burst cannot hurt.

/// One real bug to switch on in the reference app (src/apps/reference.rs).
/// Without one, this is the model answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// real-bugs NL-05 / RATE-4: downloads run one at a time, the next started when one
    /// ends, often from a background wake, where the rate limiter delays it more each time.
    OneAtATime,
    /// real-bugs P10 / API-2: tasks are created with the completion-handler API, which a
    /// background session refuses with an exception.
    CompletionHandlerApi,
    /// real-bugs NL-04 / API-4: a fetch keeps its data task when the app leaves the
    /// foreground, so it dies with -997 once the app is suspended.
    DataTaskInBackground,
    /// API-6: uploads stream the file's bytes instead of handing the daemon the file, so
    /// they die with -997 once the app is suspended.
    StreamedUpload,
    // ---- real-bugs A (lifecycle) and B (completion handler) ----
    // ---- real-bugs C (temp files, the move) and D (resume data, Range) ----
    // ---- real-bugs E (network), F (progress), G (identity), H (concurrency) ----
    /// real-bugs NL-02: a download whose task failed with -1005 after a network blip is
    /// started again only when the user enqueues another download.
    BlipNotRescheduled,
    /// real-bugs NL-03: a -1001 that carries resume data is kept but not surfaced: no new
    /// state, no retry.
    TimeoutNotSurfaced,
    /// real-bugs PR-01: progress divides by the expected length even when it is -1.
    DividesByUnknownLength,
    /// real-bugs PR-04: the bar restarts at 0 when a paused download resumes.
    ProgressResetOnResume,
    /// real-bugs ID-01: a task's download is found by its current URL, not its
    /// `taskDescription`.
    MatchesByUrl,
    /// real-bugs ID-05: the user's pause lives only in memory; after a restart the download
    /// is paused but can no longer be resumed.
    PauseNotPersisted,
    /// real-bugs CC-02: progress is shown from the main queue, the status from the
    /// delegate queue; the last progress lands after the download is over.
    ProgressOnMainQueue,
    /// real-bugs ID-02: a wrapper overwrites `taskDescription` with its own tag; the app's
    /// key survives only in memory.
    DescriptionOverwritten,
    /// real-bugs ID-04: the store is kept in Documents, which data protection closes while
    /// the device is locked: a background launch finds it unreadable and starts empty.
    StoreInDocuments,
}

/// A mutant: the reference app with one bug.
#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    /// Its name: the bug's ID in real-bugs.md, then what it does.
    pub name: &'static str,
    /// The bug it carries.
    pub bug: Bug,
    /// One line about it.
    pub about: &'static str,
    /// The checks its bug is about: at least one of them must catch it.
    pub caught_by: &'static [&'static str],
}

/// Every mutant.
pub const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "nl-05-one-at-a-time",
        bug: Bug::OneAtATime,
        about: "starts the next download only when one ends, from the background (NL-05, RATE-4)",
        caught_by: &[],
    },
    Mutant {
        name: "p10-completion-handler-api",
        bug: Bug::CompletionHandlerApi,
        about: "creates tasks with the completion-handler API (P10, API-2)",
        caught_by: &[],
    },
    Mutant {
        name: "nl-04-data-task-in-background",
        bug: Bug::DataTaskInBackground,
        about: "keeps a fetch's data task when the app leaves the foreground (NL-04, API-4)",
        caught_by: &[],
    },
    Mutant {
        name: "api-6-streamed-upload",
        bug: Bug::StreamedUpload,
        about: "uploads from a stream instead of a file (API-6)",
        caught_by: &[],
    },
    // ---- real-bugs A (lifecycle) and B (completion handler) ----
    // ---- real-bugs C (temp files, the move) and D (resume data, Range) ----
    // ---- real-bugs E (network), F (progress), G (identity), H (concurrency) ----
    Mutant {
        name: "nl-02-blip-not-rescheduled",
        bug: Bug::BlipNotRescheduled,
        about: "after a -1005 the retry waits for the next enqueue: stuck running (NL-02, NET-5)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    Mutant {
        name: "nl-03-timeout-not-surfaced",
        bug: Bug::TimeoutNotSurfaced,
        about: "keeps the resume data of a -1001 but neither retries nor reports it (NL-03, NET-3)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    Mutant {
        name: "pr-01-divides-by-unknown-length",
        bug: Bug::DividesByUnknownLength,
        about: "divides the bytes written by an expected length of -1 (PR-01, PROG-2)",
        caught_by: &["progress-sane"],
    },
    Mutant {
        name: "pr-04-progress-resets-on-resume",
        bug: Bug::ProgressResetOnResume,
        about: "shows 0 when a paused download resumes from its resume data (PR-04, RES-4)",
        caught_by: &["progress-sane"],
    },
    Mutant {
        name: "id-01-matches-by-url",
        bug: Bug::MatchesByUrl,
        about: "finds a task's download by its current URL, which redirects change (ID-01, NET-7, TID-3)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    Mutant {
        name: "id-05-pause-not-persisted",
        bug: Bug::PauseNotPersisted,
        about: "keeps the user's pause in memory only: after a restart it cannot be resumed (ID-05, RES-2)",
        caught_by: &["one-outcome"],
    },
    Mutant {
        name: "cc-02-progress-on-main-queue",
        bug: Bug::ProgressOnMainQueue,
        about: "updates progress on the main queue and status on the delegate queue (CC-02, ORD-1)",
        caught_by: &["progress-sane"],
    },
    Mutant {
        name: "id-02-description-overwritten",
        bug: Bug::DescriptionOverwritten,
        about: "a wrapper overwrites taskDescription; the app's key lives in memory only (ID-02, TID-2, TID-3)",
        caught_by: &["no-orphan-files"],
    },
    Mutant {
        name: "id-04-store-unreadable-while-locked",
        bug: Bug::StoreInDocuments,
        about: "keeps its store under Complete data protection: a locked relaunch starts empty (ID-04, TF-06, LC-1)",
        caught_by: &["state-agrees", "one-outcome"],
    },
];

/// The mutant called `name`.
pub fn find(name: &str) -> Option<&'static Mutant> {
    MUTANTS.iter().find(|m| m.name == name)
}
