"""The real bugs of the Rust reference app's mutants (src/apps/mutants.rs), one per
`--bug NAME`: each named as its Rust twin, and caught by the same checks."""

from typing import Dict, List, NamedTuple, Optional


class Bug(NamedTuple):
    name: str
    about: str
    caught_by: List[str]


ONE_AT_A_TIME = "nl-05-one-at-a-time"
COMPLETION_HANDLER_API = "p10-completion-handler-api"
DATA_TASK_IN_BACKGROUND = "nl-04-data-task-in-background"
STREAMED_UPLOAD = "api-6-streamed-upload"
FORCE_QUIT_AS_FAILURE = "lc-01-force-quit-as-failure"
STALE_RUNNING_AFTER_KILL = "lc-02-running-after-a-kill"
HOOK_CANCELS_ALL = "lc-03-hook-cancels-finished"
STORE_LOADED_LATE = "lc-04-store-loaded-late"
UNKNOWN_TASK_CRASHES = "lc-05-unknown-task-crashes"
LAZY_SESSION = "lc-06-session-created-lazily"
TASK_ON_INVALIDATED_SESSION = "lc-08-task-on-invalidated-session"
IGNORES_EXTENSION_SESSION = "lc-10-ignores-extension-session"
HANDLER_NOT_STORED = "ch-01-handler-not-stored"
HANDLER_STORED_LATE = "ch-02-handler-stored-late"
HANDLER_ON_DELEGATE_QUEUE = "ch-03-handler-on-delegate-queue"
HANDLER_CALLED_EARLY = "ch-04-handler-called-early"
SLOW_WORK_IN_CALLBACK = "ch-04-slow-work-in-callback"
SESSION_ONLY_IN_HANDLE_EVENTS = "ch-06-session-only-in-handle-events"
MOVE_RESULT_IGNORED = "tf-01-move-result-ignored"
ASYNC_MOVE = "tf-02-async-move"
ERROR_BODY_KEPT = "tf-03-error-body-kept"
NO_PARENT_FOLDER = "tf-05-no-parent-folder"
NO_STAGING_WHEN_LOCKED = "tf-06-no-staging-when-locked"
ABSOLUTE_DESTINATION = "tf-07-absolute-destination"
RESUME_DATA_LEAKED = "tf-09-resume-data-leaked"
PAUSED_WITHOUT_RESUME_DATA = "rd-01-paused-without-resume-data"
NO_LENGTH_CHECK = "rd-02-no-length-check"
RESUME_DATA_IN_MEMORY = "rd-04-resume-data-in-memory"
RESUMED_TASK_UNTRACKED = "rd-06-resumed-task-untracked"
BLIP_NOT_RESCHEDULED = "nl-02-blip-not-rescheduled"
TIMEOUT_NOT_SURFACED = "nl-03-timeout-not-surfaced"
DIVIDES_BY_UNKNOWN_LENGTH = "pr-01-divides-by-unknown-length"
PROGRESS_RESET_ON_RESUME = "pr-04-progress-resets-on-resume"
MATCHES_BY_URL = "id-01-matches-by-url"
PAUSE_NOT_PERSISTED = "id-05-pause-not-persisted"
PROGRESS_ON_MAIN_QUEUE = "cc-02-progress-on-main-queue"
STORE_WRITTEN_FROM_TWO_QUEUES = "cc-01-store-written-from-two-queues"
DESCRIPTION_OVERWRITTEN = "id-02-description-overwritten"
STORE_IN_DOCUMENTS = "id-04-store-unreadable-while-locked"


BUGS: Dict[str, Bug] = {b.name: b for b in [
    Bug(ONE_AT_A_TIME,
        'starts the next download only when one ends, from the background (NL-05, RATE-4)',
        ['task-in-foreground']),
    Bug(COMPLETION_HANDLER_API,
        'creates tasks with the completion-handler API (P10, API-2)',
        ['no-exception']),
    Bug(DATA_TASK_IN_BACKGROUND,
        "keeps a fetch's data task when the app leaves the foreground (NL-04, API-4)",
        ['one-outcome', 'state-agrees']),
    Bug(STREAMED_UPLOAD,
        'uploads from a stream instead of a file (API-6)',
        ['one-outcome', 'state-agrees']),
    Bug(FORCE_QUIT_AS_FAILURE,
        "marks a force-quit's -999 (reason 0) failed and throws its resume data away (LC-01, KILL-3)",
        ['force-quit-not-failure']),
    Bug(STALE_RUNNING_AFTER_KILL,
        'trusts its stored status: drops -999s, never reconciles, so a kill leaves it running with no task (LC-02, TID-4)',
        ['state-agrees', 'one-outcome']),
    Bug(HOOK_CANCELS_ALL,
        'a lifecycle hook marks every download cancelled, finished ones included (LC-03)',
        ['one-outcome']),
    Bug(STORE_LOADED_LATE,
        'loads the store the delegate needs after creating the session (LC-04, LC-4)',
        ['one-outcome', 'state-agrees', 'finished-file-kept']),
    Bug(UNKNOWN_TASK_CRASHES,
        'crashes on a callback for a task a previous process created (LC-05, TID-3)',
        ['no-exception']),
    Bug(LAZY_SESSION,
        'creates its session only when a download starts, not at launch (LC-06, LC-4)',
        ['session-reconnected']),
    Bug(TASK_ON_INVALIDATED_SESSION,
        'creates tasks in a session that is being invalidated (LC-08, ID-4)',
        ['no-exception']),
    Bug(IGNORES_EXTENSION_SESSION,
        "handles handleEvents only for its own identifier, not its extension's (LC-10, ID-5)",
        ['handler-once']),
    Bug(HANDLER_NOT_STORED,
        'does not store the handleEvents completion handler, so never calls it (CH-01, CH-1)',
        ['handler-once']),
    Bug(HANDLER_STORED_LATE,
        'stores the completion handler after didFinishEvents looked for it (CH-02, CH-1)',
        ['handler-once']),
    Bug(HANDLER_ON_DELEGATE_QUEUE,
        'calls the completion handler on the delegate queue, not main (CH-03, CH-2)',
        ['handler-main-queue']),
    Bug(HANDLER_CALLED_EARLY,
        'calls the completion handler in handleEvents, before the events (CH-04, CH-2)',
        ['handler-after-events']),
    Bug(SLOW_WORK_IN_CALLBACK,
        'unzips inside didFinishDownloadingTo in a background wake, past its budget (CH-04, LC-10, FILE-5)',
        ['wake-budget']),
    Bug(SESSION_ONLY_IN_HANDLE_EVENTS,
        'makes its session again only in handleEvents, which a user launch never calls (CH-06, LC-4)',
        ['session-reconnected']),
    Bug(MOVE_RESULT_IGNORED,
        'calls a download done without checking that its file was moved (TF-01, FILE-1)',
        ['file-delivered']),
    Bug(ASYNC_MOVE,
        'moves the temporary file from a later block, after iOS deleted it (TF-02, FILE-1)',
        ['temp-file-in-callback']),
    Bug(ERROR_BODY_KEPT,
        'keeps a non-2xx body as the downloaded file (TF-03, HTTP-1)',
        ['no-error-body']),
    Bug(NO_PARENT_FOLDER,
        'moves the file into a folder it never created (TF-05, FILE-1)',
        ['finished-file-kept']),
    Bug(NO_STAGING_WHEN_LOCKED,
        'fails a download whose move the locked device refused (TF-06, FILE-6)',
        ['finished-file-kept']),
    Bug(ABSOLUTE_DESTINATION,
        'stores destinations as absolute paths, stale after a container move (TF-07, FILE-4)',
        ['finished-file-kept']),
    Bug(RESUME_DATA_LEAKED,
        'gives up on a download but leaves its partial file in tmp/ (TF-09, RES-7)',
        ['no-orphan-files']),
    Bug(PAUSED_WITHOUT_RESUME_DATA,
        'cannot resume a download whose pause produced no resume data (RD-01, RES-2)',
        ['one-outcome']),
    Bug(NO_LENGTH_CHECK,
        'keeps a short file an OS resume-data bug hands over (RD-02, RES-6)',
        ['file-delivered']),
    Bug(RESUME_DATA_IN_MEMORY,
        'keeps resume data in memory only: after a kill it restarts from 0 (RD-04, RES-4)',
        ['resume-data-used']),
    Bug(RESUMED_TASK_UNTRACKED,
        'loses track of a task made from resume data; its events are dropped (RD-06, TID-5)',
        ['one-outcome', 'state-agrees']),
    Bug(BLIP_NOT_RESCHEDULED,
        'after a -1005 the retry waits for the next enqueue: stuck running (NL-02, NET-5)',
        ['one-outcome', 'state-agrees']),
    Bug(TIMEOUT_NOT_SURFACED,
        'keeps the resume data of a -1001 but neither retries nor reports it (NL-03, NET-3)',
        ['one-outcome', 'state-agrees']),
    Bug(DIVIDES_BY_UNKNOWN_LENGTH,
        'divides the bytes written by an expected length of -1 (PR-01, PROG-2)',
        ['progress-sane']),
    Bug(PROGRESS_RESET_ON_RESUME,
        'shows 0 when a paused download resumes from its resume data (PR-04, RES-4)',
        ['progress-sane']),
    Bug(MATCHES_BY_URL,
        "finds a task's download by its current URL, which redirects change (ID-01, NET-7, TID-3)",
        ['one-outcome', 'state-agrees']),
    Bug(PAUSE_NOT_PERSISTED,
        "keeps the user's pause in memory only: after a restart it cannot be resumed (ID-05, RES-2)",
        ['one-outcome']),
    Bug(PROGRESS_ON_MAIN_QUEUE,
        'updates progress on the main queue and status on the delegate queue (CC-02, ORD-1)',
        ['progress-sane']),
    Bug(STORE_WRITTEN_FROM_TWO_QUEUES,
        'saves progress from a stale copy on the main queue, over a newer status (CC-01)',
        ['one-outcome', 'state-agrees']),
    Bug(DESCRIPTION_OVERWRITTEN,
        "a wrapper overwrites taskDescription; the app's key lives in memory only (ID-02, TID-2, TID-3)",
        ['no-orphan-files']),
    Bug(STORE_IN_DOCUMENTS,
        'keeps its store under Complete data protection: a locked relaunch starts empty (ID-04, TF-06, LC-1)',
        ['state-agrees', 'one-outcome']),
]}


def bug_named(name: Optional[str]) -> Optional[str]:
    """The bug called `name` (None: the model answer); ValueError if there is none."""
    if name is None:
        return None
    if name not in BUGS:
        raise ValueError(f"unknown bug {name!r}; known: {', '.join(BUGS)}")
    return name
