//! Mutants: the reference app with exactly one real bug each, named after the bug's ID in
//! docs/bugs.md. A harness is as good as the bugs it catches.
//!
//! ## docs/bugs.md A (lifecycle) and B (completion handler): entries not expressed
//!
//! - LC-11 (many tasks at once): its watchdog terminations (bd#153, openradar 18576940)
//!   need a launch watchdog and a per-task cost of creating or restoring tasks, which the
//!   model does not have: any number of tasks is created in no time. Its other half,
//!   starting the next download from the background as each one completes
//!   (MZDownloadManager#30), is the app-side mistake of `nl-05-one-at-a-time`.
//! - LC-03 is expressed with didEnterBackground standing in for applicationWillTerminate,
//!   which the model does not call (nor does iOS, for a suspended app): the mistake, a
//!   lifecycle hook overwriting every stored status, finished ones included, is the same.
//! - CH-06 (handleEvents never called) is an OS bug; what an app can get wrong about it is
//!   relying on handleEvents to make its session again, as `ch-06-...` does: a user launch
//!   never calls it either (LC-4).
//!
//! ## docs/bugs.md C (temp files, the move) and D (resume data, Range)
//!
//! Each entry has a mutant but these two:
//! - **TF-10** (every move is a sandbox violation until reinstall): an OS bug with no
//!   app-side mistake of its own. What it asks of the app (surface the failed move, never
//!   report success) is what `tf-01-move-result-ignored` breaks; the model has no fault
//!   that makes every move fail, so "does not retry forever" has nothing to run against.
//! - **RD-07** (server-side Range misbehaviour): the app-side mistakes (appending a 200 to
//!   the partial file, trusting an unchecked 206 start) belong to apps that send their own
//!   Range requests, and an app in the model cannot (`AppContext` tasks take a URL, no
//!   headers): resumes are the daemon's, whose Range handling the `fault-*` scenarios
//!   cover. The app-side defence left, checking the handed-over file's length, is what
//!   `rd-02-no-length-check` breaks.
//!
//! `tf-01-move-result-ignored` is killed where the locked device refuses the move
//! (tf-06-device-locked-data-protection): the model has no fault that hands over a
//! location in an old container (FILE-4), the OS bug of TF-01 itself.
//!
//! ## docs/bugs.md E (network), F (progress), G (identity), H (concurrency)
//!
//! Each mutant below is killed by a shipped scenario (see `bgsim mutants`). Entries of these
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
//! - **CC-01** (the database written from several threads) is expressed as a lost update:
//!   the model runs each queue's blocks one at a time, so `cc-01-store-written-from-two-queues`
//!   saves progress from a copy handed to the main queue, which lands after the newer
//!   status; scenario cc-01-done-then-killed-and-relaunched shows it after a kill.
//! - **PR-05** (progress callbacks stop after foreground/background switches) is an OS bug:
//!   the daemon always delivers didWriteData, so an app without the suspend/resume
//!   workaround is correct against it; there is no app-side mistake to switch on.
//! - **CC-03** (bridge and runtime thread affinity) is about another platform's bridge
//!   (React Native, Flutter), which the model has none of.
//! - **CC-04** (burst enqueue and the watchdog): the model has no main-thread watchdog
//!   (0x8badf00d) and creating a task takes no virtual time, so a burst cannot hurt.

/// One real bug to switch on in the reference app (src/apps/reference.rs).
/// Without one, this is the model answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// docs/bugs.md#nl-05 / RATE-4: downloads run one at a time, the next started when one
    /// ends, often from a background wake, where the rate limiter delays it more each time.
    OneAtATime,
    /// docs/bugs.md#p10 / API-2: tasks are created with the completion-handler API, which a
    /// background session refuses with an exception.
    CompletionHandlerApi,
    /// docs/bugs.md#nl-04 / API-4: a fetch keeps its data task when the app leaves the
    /// foreground, so it dies with -997 once the app is suspended.
    DataTaskInBackground,
    /// API-6: uploads stream the file's bytes instead of handing the daemon the file, so
    /// they die with -997 once the app is suspended.
    StreamedUpload,
    // ---- docs/bugs.md A (lifecycle) and B (completion handler) ----
    /// docs/bugs.md#lc-01 / KILL-3: the -999 of a force-quit (reason 0) is taken for a
    /// failure: the download is marked failed and its resume data thrown away.
    ForceQuitAsFailure,
    /// docs/bugs.md#lc-02 / KILL-3 / TID-4: the stored status is trusted over the daemon: a
    /// -999 is taken for the app's own cancel and dropped, and a launch does not reconcile
    /// with getAllTasks, so after a force-quit the download stays "running" with no task.
    StaleRunningAfterKill,
    /// docs/bugs.md#lc-03: a lifecycle hook (applicationWillTerminate in flutter_downloader;
    /// here didEnterBackground, the last hook a suspended app is sure to get) marks every
    /// download cancelled, finished ones included.
    HookCancelsAll,
    /// docs/bugs.md#lc-04 / LC-4: the store the delegate needs is loaded after the session
    /// is created, so the events that come first are dropped.
    StoreLoadedLate,
    /// docs/bugs.md#lc-05 / TID-3: the task-to-file map lives only in memory, and a callback
    /// for a task a previous process created crashes (a nil file name).
    UnknownTaskCrashes,
    /// docs/bugs.md#lc-06 / LC-4: the session is created lazily, only when the user starts a
    /// download, not at launch.
    LazySession,
    /// docs/bugs.md#lc-08 / ID-4: new downloads go to the session while it is being
    /// invalidated, which iOS refuses with an exception.
    TaskOnInvalidatedSession,
    /// docs/bugs.md#lc-10 / ID-5: the app handles handleEvents only for its own identifier,
    /// so the events of its extension's session never reach anyone.
    IgnoresExtensionSession,
    /// docs/bugs.md#ch-01 / CH-1: handleEvents does not store its completion handler.
    HandlerNotStored,
    /// docs/bugs.md#ch-02 / CH-1: the handler is stored late (once the download manager is
    /// set up), after urlSessionDidFinishEvents has already looked for it.
    HandlerStoredLate,
    /// docs/bugs.md#ch-03 / CH-2: the handler is called on the delegate queue, not main.
    HandlerOnDelegateQueue,
    /// docs/bugs.md#ch-04 / CH-2: the handler is called as soon as handleEvents has stored
    /// it, before urlSessionDidFinishEvents.
    HandlerCalledEarly,
    /// OS-6: the app uses the async `handleEvents` and returns from it without awaiting
    /// anything, so the wake's work is over before its events are handled.
    AsyncReturnsEarly,
    /// docs/bugs.md#ch-04 / LC-10 / FILE-5: long synchronous work (unzipping) inside
    /// didFinishDownloadingTo during a background wake outlasts the wake's budget.
    SlowWorkInCallback,
    /// docs/bugs.md#ch-06 / LC-4: the session is made again only inside handleEvents, which
    /// iOS does not call when the user launches the app (nor at all, in CH-06's OS bugs).
    SessionOnlyInHandleEvents,
    // ---- docs/bugs.md C (temp files, the move) and D (resume data, Range) ----
    /// docs/bugs.md#tf-01 / FILE-1: the result of the move is not checked; the download is
    /// called done whether or not the file reached its destination.
    MoveResultIgnored,
    /// docs/bugs.md#tf-02 / FILE-1: the temporary file is moved later, from a block on the
    /// main queue (as after a bridge round trip), when iOS has already deleted it.
    AsyncMove,
    /// docs/bugs.md#tf-03 / HTTP-1: the response status is not checked; an error body is
    /// moved to the destination and the download called done.
    ErrorBodyKept,
    /// docs/bugs.md#tf-05 / FILE-1: the destination's parent folder is not created first, so
    /// the move into a folder that does not exist yet fails.
    NoParentFolder,
    /// docs/bugs.md#tf-06 / FILE-6: a move refused by data protection (device locked) is a
    /// failure; the file is not staged to be put in place after the unlock.
    NoStagingWhenLocked,
    /// docs/bugs.md#tf-07 / FILE-4: the destination is stored as an absolute path, which goes
    /// stale when the container moves.
    AbsoluteDestination,
    /// docs/bugs.md#tf-09 / RES-7: giving up on a download, the app deletes its own resume
    /// data but leaves the partial file it points to in tmp/.
    ResumeDataLeaked,
    /// docs/bugs.md#rd-01 / RES-2: a paused download whose pause produced no resume data
    /// cannot be resumed: resuming it does nothing, and it stays paused.
    PausedWithoutResumeData,
    /// docs/bugs.md#rd-02 / RES-6: the file handed over is not checked against the announced
    /// length, so the short (or empty) file an OS resume-data bug produces is kept.
    NoLengthCheck,
    /// docs/bugs.md#rd-04 / RES-4: resume data lives only in memory; a new process has none,
    /// and a download paused before the app died starts again from byte 0.
    ResumeDataInMemory,
    /// docs/bugs.md#rd-06 / TID-5: a task made from resume data is not recorded against its
    /// download (the app looks downloads up by the task's request, which such a task
    /// lacks), so its events are dropped and the download is silently lost.
    ResumedTaskUntracked,
    // ---- docs/bugs.md E (network), F (progress), G (identity), H (concurrency) ----
    /// docs/bugs.md#nl-02: a download whose task failed with -1005 after a network blip is
    /// started again only when the user enqueues another download.
    BlipNotRescheduled,
    /// docs/bugs.md#nl-03: a -1001 that carries resume data is kept but not surfaced: no new
    /// state, no retry.
    TimeoutNotSurfaced,
    /// docs/bugs.md#pr-01: progress divides by the expected length even when it is -1.
    DividesByUnknownLength,
    /// docs/bugs.md#pr-04: the bar restarts at 0 when a paused download resumes.
    ProgressResetOnResume,
    /// docs/bugs.md#id-01: a task's download is found by its current URL, not its
    /// `taskDescription`.
    MatchesByUrl,
    /// docs/bugs.md#id-05: the user's pause lives only in memory; after a restart the download
    /// is paused but can no longer be resumed.
    PauseNotPersisted,
    /// docs/bugs.md#cc-02: progress is shown from the main queue, the status from the
    /// delegate queue; the last progress lands after the download is over.
    ProgressOnMainQueue,
    /// docs/bugs.md#cc-01: the store is written from two queues: the status at once from the
    /// delegate queue, the progress from a copy handed to the main queue, which lands
    /// after a newer status and writes the old one back (a lost update).
    StoreWrittenFromTwoQueues,
    /// docs/bugs.md#id-02: a wrapper overwrites `taskDescription` with its own tag; the app's
    /// key survives only in memory.
    DescriptionOverwritten,
    /// docs/bugs.md#id-04: the store is kept in Documents, which data protection closes while
    /// the device is locked: a background launch finds it unreadable and starts empty.
    StoreInDocuments,
    // ---- the phone's choices (LC-6, CH-2, CH-6): right under the fixed ones only ----
    /// LC-6: at didFinishEvents the handler is called only if getAllTasks lists nothing,
    /// as if a wake came only once every task was done; a wake with a task still running
    /// (`each-completion`, `seeded`) keeps its handler for ever.
    HandlerWhenNoTasksLeft,
    /// CH-2: the handler is called from a block didCompleteWithError sends to main, as if
    /// main ran only once the delegate queue had delivered everything, didFinishEvents
    /// included; when main runs between two held events, it comes too early.
    HandlerFromDidComplete,
    /// CH-6: one slot for the handler, as if one wake brought one session; when one wake
    /// brings two, the second overwrites the first, which is never called.
    OneHandlerSlot,
}

/// A mutant: the reference app with one bug.
#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    /// Its name: the bug's ID in docs/bugs.md, then what it does.
    pub name: &'static str,
    /// The bug it carries.
    pub bug: Bug,
    /// One line about it.
    pub about: &'static str,
    /// The checks its bug is about: at least one of them must catch it.
    pub caught_by: &'static [&'static str],
}

/// Mutants a fuzz campaign is not expected to find: their bug needs a moment generated
/// timelines almost never line up, and a shipped scenario that does is what kills them
/// (CH-6's shared wake needs two sessions to finish in the same instant).
pub const NOT_FOUND_BY_FUZZING: &[&str] = &["ch-6-one-handler-slot"];

/// Every mutant.
pub const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "nl-05-one-at-a-time",
        bug: Bug::OneAtATime,
        about: "starts the next download only when one ends, from the background (NL-05, RATE-4)",
        caught_by: &["task-in-foreground"],
    },
    Mutant {
        name: "p10-completion-handler-api",
        bug: Bug::CompletionHandlerApi,
        about: "creates tasks with the completion-handler API (P10, API-2)",
        caught_by: &["no-exception"],
    },
    Mutant {
        name: "nl-04-data-task-in-background",
        bug: Bug::DataTaskInBackground,
        about: "keeps a fetch's data task when the app leaves the foreground (NL-04, API-4)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    Mutant {
        name: "api-6-streamed-upload",
        bug: Bug::StreamedUpload,
        about: "uploads from a stream instead of a file (API-6)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    // ---- docs/bugs.md A (lifecycle) and B (completion handler) ----
    Mutant {
        name: "lc-01-force-quit-as-failure",
        bug: Bug::ForceQuitAsFailure,
        about: "marks a force-quit's -999 (reason 0) failed and throws its resume data away (LC-01, KILL-3)",
        caught_by: &["force-quit-not-failure"],
    },
    Mutant {
        name: "lc-02-running-after-a-kill",
        bug: Bug::StaleRunningAfterKill,
        about: "trusts its stored status: drops -999s, never reconciles, so a kill leaves it running with no task (LC-02, TID-4)",
        caught_by: &["state-agrees", "one-outcome"],
    },
    Mutant {
        name: "lc-03-hook-cancels-finished",
        bug: Bug::HookCancelsAll,
        about: "a lifecycle hook marks every download cancelled, finished ones included (LC-03)",
        caught_by: &["one-outcome"],
    },
    Mutant {
        name: "lc-04-store-loaded-late",
        bug: Bug::StoreLoadedLate,
        about: "loads the store the delegate needs after creating the session (LC-04, LC-4)",
        caught_by: &["one-outcome", "state-agrees", "finished-file-kept"],
    },
    Mutant {
        name: "lc-05-unknown-task-crashes",
        bug: Bug::UnknownTaskCrashes,
        about: "crashes on a callback for a task a previous process created (LC-05, TID-3)",
        caught_by: &["no-exception"],
    },
    Mutant {
        name: "lc-06-session-created-lazily",
        bug: Bug::LazySession,
        about: "creates its session only when a download starts, not at launch (LC-06, LC-4)",
        caught_by: &["session-reconnected"],
    },
    Mutant {
        name: "lc-08-task-on-invalidated-session",
        bug: Bug::TaskOnInvalidatedSession,
        about: "creates tasks in a session that is being invalidated (LC-08, ID-4)",
        caught_by: &["no-exception"],
    },
    Mutant {
        name: "lc-10-ignores-extension-session",
        bug: Bug::IgnoresExtensionSession,
        about: "handles handleEvents only for its own identifier, not its extension's (LC-10, ID-5)",
        caught_by: &["handler-once"],
    },
    Mutant {
        name: "ch-01-handler-not-stored",
        bug: Bug::HandlerNotStored,
        about: "does not store the handleEvents completion handler, so never calls it (CH-01, CH-1)",
        caught_by: &["handler-once"],
    },
    Mutant {
        name: "ch-02-handler-stored-late",
        bug: Bug::HandlerStoredLate,
        about: "stores the completion handler after didFinishEvents looked for it (CH-02, CH-1)",
        caught_by: &["handler-once"],
    },
    Mutant {
        name: "ch-03-handler-on-delegate-queue",
        bug: Bug::HandlerOnDelegateQueue,
        about: "calls the completion handler on the delegate queue, not main (CH-03, CH-2)",
        caught_by: &["handler-main-queue"],
    },
    Mutant {
        name: "ch-04-handler-called-early",
        bug: Bug::HandlerCalledEarly,
        about: "calls the completion handler in handleEvents, before the events (CH-04, CH-2)",
        caught_by: &["handler-after-events"],
    },
    Mutant {
        name: "os-6-async-returns-early",
        bug: Bug::AsyncReturnsEarly,
        about: "uses the async handleEvents and returns without awaiting the session's events (OS-6, CH-3)",
        caught_by: &["handler-after-events"],
    },
    Mutant {
        name: "ch-04-slow-work-in-callback",
        bug: Bug::SlowWorkInCallback,
        about: "unzips inside didFinishDownloadingTo in a background wake, past its budget (CH-04, LC-10, FILE-5)",
        caught_by: &["wake-budget"],
    },
    Mutant {
        name: "ch-06-session-only-in-handle-events",
        bug: Bug::SessionOnlyInHandleEvents,
        about: "makes its session again only in handleEvents, which a user launch never calls (CH-06, LC-4)",
        caught_by: &["session-reconnected"],
    },
    // ---- docs/bugs.md C (temp files, the move) and D (resume data, Range) ----
    Mutant {
        name: "tf-01-move-result-ignored",
        bug: Bug::MoveResultIgnored,
        about: "calls a download done without checking that its file was moved (TF-01, FILE-1)",
        caught_by: &["file-delivered"],
    },
    Mutant {
        name: "tf-02-async-move",
        bug: Bug::AsyncMove,
        about: "moves the temporary file from a later block, after iOS deleted it (TF-02, FILE-1)",
        caught_by: &["temp-file-in-callback"],
    },
    Mutant {
        name: "tf-03-error-body-kept",
        bug: Bug::ErrorBodyKept,
        about: "keeps a non-2xx body as the downloaded file (TF-03, HTTP-1)",
        caught_by: &["no-error-body"],
    },
    Mutant {
        name: "tf-05-no-parent-folder",
        bug: Bug::NoParentFolder,
        about: "moves the file into a folder it never created (TF-05, FILE-1)",
        caught_by: &["finished-file-kept"],
    },
    Mutant {
        name: "tf-06-no-staging-when-locked",
        bug: Bug::NoStagingWhenLocked,
        about: "fails a download whose move the locked device refused (TF-06, FILE-6)",
        caught_by: &["finished-file-kept"],
    },
    Mutant {
        name: "tf-07-absolute-destination",
        bug: Bug::AbsoluteDestination,
        about:
            "stores destinations as absolute paths, stale after a container move (TF-07, FILE-4)",
        caught_by: &["finished-file-kept"],
    },
    Mutant {
        name: "tf-09-resume-data-leaked",
        bug: Bug::ResumeDataLeaked,
        about: "gives up on a download but leaves its partial file in tmp/ (TF-09, RES-7)",
        caught_by: &["no-orphan-files"],
    },
    Mutant {
        name: "rd-01-paused-without-resume-data",
        bug: Bug::PausedWithoutResumeData,
        about: "cannot resume a download whose pause produced no resume data (RD-01, RES-2)",
        caught_by: &["one-outcome"],
    },
    Mutant {
        name: "rd-02-no-length-check",
        bug: Bug::NoLengthCheck,
        about: "keeps a short file an OS resume-data bug hands over (RD-02, RES-6)",
        caught_by: &["file-delivered"],
    },
    Mutant {
        name: "rd-04-resume-data-in-memory",
        bug: Bug::ResumeDataInMemory,
        about: "keeps resume data in memory only: after a kill it restarts from 0 (RD-04, RES-4)",
        caught_by: &["resume-data-used"],
    },
    Mutant {
        name: "rd-06-resumed-task-untracked",
        bug: Bug::ResumedTaskUntracked,
        about: "loses track of a task made from resume data; its events are dropped (RD-06, TID-5)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    // ---- docs/bugs.md E (network), F (progress), G (identity), H (concurrency) ----
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
        name: "cc-01-store-written-from-two-queues",
        bug: Bug::StoreWrittenFromTwoQueues,
        about: "saves progress from a stale copy on the main queue, over a newer status (CC-01)",
        caught_by: &["one-outcome", "state-agrees"],
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
    // ---- the phone's choices: caught once `interleavings` and `wake_policy` are explored ----
    Mutant {
        name: "lc-6-handler-when-no-tasks-left",
        bug: Bug::HandlerWhenNoTasksLeft,
        about: "calls the handler only when getAllTasks is empty, assuming a wake once all is done (LC-6)",
        caught_by: &["handler-once", "wake-budget"],
    },
    Mutant {
        name: "ch-2-handler-from-did-complete",
        bug: Bug::HandlerFromDidComplete,
        about: "calls the handler from main after didCompleteWithError, assuming main runs after the delegate queue (CH-2)",
        caught_by: &["handler-after-events"],
    },
    Mutant {
        name: "ch-6-one-handler-slot",
        bug: Bug::OneHandlerSlot,
        about: "keeps one handler, assuming one session per wake (CH-6)",
        caught_by: &["handler-once", "wake-budget"],
    },
];

/// The mutant called `name`.
pub fn find(name: &str) -> Option<&'static Mutant> {
    MUTANTS.iter().find(|m| m.name == name)
}
