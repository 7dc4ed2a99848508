"""The reference app's downloads: each an explicit state machine (running -> done | failed
| paused), persisted after every change, keyed by the app's own key, which rides in
`taskDescription` (TID-3) rather than the task identifier. A port, method for method, of
`Core` in src/apps/reference.rs; the comments there say why each step is as it is.
"""

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from bgsim_app import Context, FileError, NSException, SessionDelegate

from . import bugs, store
from .model import (
    CANCELLED, CANCELLED_CODE, CONNECTION_LOST, DONE, FAILED, MAX_ATTEMPTS, PAUSED,
    PENDING_DIR, QUEUED, REDIRECT_WITHOUT_LOCATION, RUNNING, SESSION_ID,
    TIMED_OUT, TOO_MANY_REDIRECTS, UNSUPPORTED_URL, Record, Task,
    describe_error, extension_destination, is_force_quit, keep_resume_data, keys_where,
    holds_resume_data, take_resume_data,
    new_download, new_store, new_upload, parent_of, quietly, resume_path, retry_after, status_of, task_id,
)
from .transfers import Transfers

# Settings of the welcome's `session` table and the configuration keys they set.
CONFIGURATION_KEYS = {
    "sendsLaunchEvents": "sessionSendsLaunchEvents",
    "discretionary": "isDiscretionary",
    "requestTimeout_us": "timeoutIntervalForRequest_us",
    "resourceTimeout_us": "timeoutIntervalForResource_us",
    "allowsCellularAccess": "allowsCellularAccess",
    "allowsExpensiveNetworkAccess": "allowsExpensiveNetworkAccess",
    "allowsConstrainedNetworkAccess": "allowsConstrainedNetworkAccess",
}


class Core(Transfers):
    """Everything one process of the app knows: the store, and what lives in memory only."""

    def __init__(self, bug: Optional[str], settings: Dict[str, Any],
                 new_delegate: Callable[["Core"], SessionDelegate]) -> None:
        self.store: Record = new_store()
        self.saved = store.Saved()
        self.session: Optional[int] = None
        # Session numbers to their identifiers (the SDK's session.configuration.identifier).
        self.identifiers: Dict[int, str] = {}
        self.handlers: Dict[str, int] = {}
        self.bug = bug
        self.settings = settings
        self.new_delegate = new_delegate
        # The session is being invalidated (INV-1, INV-2): no task may be created in it.
        self.invalidating = False
        # Response bytes of uploads and fetches, until their task completes.
        self.buffers: Dict[str, bytearray] = {}
        # ID-5: the session was refused with -996; made again at the next chance.
        self.refused = False
        self.recovering = False
        # Sessions of other identifiers (an app extension's own) the system woke the app for.
        self.foreign_sessions: Dict[str, int] = {}
        # With the ID-02 bug: the wrapper's task-to-key map (memory only).
        self.wrapper_keys: Dict[int, str] = {}
        # With the LC-05 bug: the tasks this process created (memory only).
        self.created_here: Set[int] = set()
        # Resume data there was no room to write (memory only).
        self.unsaved_resume_data: Dict[str, bytes] = {}
        # What waits for a record to be on disk: ("report", key, word) or
        # ("remove", key, path) (see when_saved).
        self.after_save: List[Tuple[str, str, str]] = []

    @property
    def downloads(self) -> Dict[str, Record]:
        return self.store["downloads"]

    # ---- the session ----

    def open_session(self, ctx: Context, identifier: str) -> int:
        """ID-7: the same configuration at every launch; the session copies it."""
        configuration: Dict[str, Any] = {"identifier": identifier}
        for setting, key in CONFIGURATION_KEYS.items():
            if self.settings.get(setting) is not None:
                configuration[key] = self.settings[setting]
        session = ctx.create_background_session(configuration, self.new_delegate(self))
        self.identifiers[session] = identifier
        return session

    def connect(self, ctx: Context) -> None:
        """Makes the session (LC-4), finishes the moves the lock held up (TF-06) and
        reconciles the store with the session's tasks (TID-4)."""
        self.session = self.open_session(ctx, SESSION_ID)
        self.finish_pending_moves(ctx)
        ctx.get_all_tasks(self.session, lambda tasks, _: self.reconcile(ctx, tasks))

    def session_busy(self) -> bool:
        """Whether a task made now would be refused (INV-1, INV-2, ID-5)."""
        return (self.invalidating and self.bug != bugs.TASK_ON_INVALIDATED_SESSION
                or self.refused)

    # ---- the store ----

    def store_dir(self) -> str:
        # docs/bugs.md#id-04: where data protection closes it while the device is locked.
        return "Documents/store" if self.bug == bugs.STORE_IN_DOCUMENTS else store.STORE_DIR

    def save(self, ctx: Context) -> None:
        """Saves what changed (see store.save), then does what waited for its record."""
        store.save(ctx, self.store_dir(), self.store, self.saved)
        ready = [a for a in self.after_save
                 if self.saved_as_is(a[1]) or self.forget_stale(ctx, a[1])]
        self.after_save = [a for a in self.after_save if a not in ready]
        for action, key, value in ready:
            if action == "report":
                ctx.report_download_state(key, value)
            else:
                quietly(lambda: ctx.remove_item(value))

    def forget_stale(self, ctx: Context, key: str) -> bool:
        """A record that could not be written is removed instead (a removal needs no room),
        so that no later process takes the transfer for still running. Whether it is gone."""
        if key not in self.saved.records:
            return True
        try:
            ctx.remove_item(store.record_path(self.store_dir(), key))
        except FileError:
            return False
        del self.saved.records[key]
        return True

    def saved_as_is(self, key: str) -> bool:
        """Whether `key`'s record is as saved (nothing of it waits for a write)."""
        return store.record_bytes(self.store, key) == self.saved.records.get(key)

    def when_saved(self, action: str, key: str, value: str) -> None:
        """OS-4: shows the user an ending, or removes a file, once the record is on disk: an
        app killed before it can write starts again from a record that says running."""
        self.after_save.append((action, key, value))

    def report(self, ctx: Context, key: str, word: str) -> None:
        """Reports `word` for `key` now, or, when it is an ending and a record of the
        transfer is on disk, once that record says so."""
        self.after_save = [a for a in self.after_save if not (a[0] == "report" and a[1] == key)]
        if word in (DONE, FAILED, CANCELLED) and key in self.saved.records:
            self.when_saved("report", key, word)
        else:
            ctx.report_download_state(key, word)

    def load(self, ctx: Context) -> None:
        self.store, self.saved = store.load(ctx, self.store_dir())
        if self.bug == bugs.PAUSE_NOT_PERSISTED:
            # docs/bugs.md#id-05: the pause was kept in memory only.
            for d in self.downloads.values():
                d["user_paused"] = False

    def set_status(self, ctx: Context, key: str, status: str) -> None:
        d = self.downloads.get(key)
        if d is not None:
            d["status"] = status
            self.report(ctx, key, status)

    # ---- tasks ----

    def start_task(self, ctx: Context, key: str) -> None:
        """A new task for `key`: from its stored resume data when there is some (RES-4,
        consumed: RES-5), else from scratch; `queued` while the session cannot take one."""
        if self.session_busy():
            return self.set_status(ctx, key, QUEUED)
        session = self.session
        d = self.downloads.get(key)
        if session is None or d is None:
            return
        data = take_resume_data(ctx, self.unsaved_resume_data, key)
        try:
            if data is not None:
                task = ctx.download_task_with_resume_data(session, data)
            elif self.bug == bugs.COMPLETION_HANDLER_API:
                task = ctx.download_task_with_completion_handler(session, d["url"])
            else:
                task = ctx.download_task(session, d["url"])
        except NSException:
            ctx.log(f"could not create a task for {key}")
            return
        ctx.set_task_description(task, key)
        if self.bug == bugs.DESCRIPTION_OVERWRITTEN:
            # docs/bugs.md#id-02: the wrapper stamps its own tag over taskDescription.
            ctx.set_task_description(task, "AFURLSessionManager 0x600003c1c000")
            self.wrapper_keys[task["taskId"]] = key
        if self.bug == bugs.UNKNOWN_TASK_CRASHES:
            self.created_here.add(task["taskId"])
        expected_bytes = self.settings.get("expectsToReceiveBytes")
        if expected_bytes is not None:
            # SCHED-4: a best-guess upper bound helps the system schedule the transfer.
            ctx.set_count_of_bytes_client_expects_to_receive(task, min(expected_bytes, 2**63 - 1))
        if d["retry_after_s"] is not None:
            ctx.set_earliest_begin_date(task, ctx.now_us + d["retry_after_s"] * 1_000_000)
        ctx.resume(task)
        resumed = data is not None
        # docs/bugs.md#rd-06: a task made from resume data is never recorded.
        if not (resumed and self.bug == bugs.RESUMED_TASK_UNTRACKED):
            d["task_id"] = task["taskId"]
        d["attempts"] += 1
        d["file_ready"] = False
        d["http_status"] = None
        d["retry_after_s"] = None
        self.set_status(ctx, key, RUNNING)
        if resumed and self.bug == bugs.PROGRESS_RESET_ON_RESUME:
            # docs/bugs.md#pr-04: a new task, so the bar starts again from 0.
            ctx.report_progress(key, 0.0)

    def reconcile(self, ctx: Context, tasks: List[Task]) -> None:
        """LC-2 / LC-5 / TID-4: make the store and the daemon agree after a launch."""
        if self.refused:
            return  # ID-5: its tasks are not ours to see until it is made again.
        claimed: Set[str] = set()
        for t in tasks:
            d = self.downloads.get(t.get("taskDescription") or "")
            if d is not None and d["status"] == RUNNING and d["task_id"] == task_id(t):
                claimed.add(t["taskDescription"])
            elif self.claims(t) or extension_destination(t) is not None:
                pass
            elif t["state"] != "completed":
                ctx.cancel(t["key"])  # a task nobody tracks would be a duplicate transfer
        # docs/bugs.md#lc-02: with the bug, the stored status is trusted over the daemon.
        trusting = self.bug == bugs.STALE_RUNNING_AFTER_KILL
        lost = keys_where(self.downloads, lambda k, d: (
            d["status"] == RUNNING and k not in claimed and not trusting))
        for key in lost:
            ctx.log(f"{key}: its task is gone; starting it again")
            self.start_task(ctx, key)
        # A pause whose cancel completed in a process that could not write it down.
        alive = {task_id(t) for t in tasks}
        for key in keys_where(self.downloads, lambda _, d: (
                d["user_paused"] and d["task_id"] is not None and d["task_id"] not in alive)):
            self.downloads[key]["task_id"] = None
        self.reconcile_transfers(ctx, tasks)
        if ctx.app_state == "foreground":
            self.retry_waiting_for_space(ctx)
        recovering, self.recovering = self.recovering, False
        if recovering or self.bug != bugs.ONE_AT_A_TIME:
            self.start_queued(ctx)
        if not self.session_busy():
            self.discard_leftover_resume_data(ctx)
        self.save(ctx)

    def reopen_if_refused(self, ctx: Context) -> None:
        """ID-5: makes the session again after a -996, then reconciles."""
        if not self.refused:
            return
        self.refused = False
        self.recovering = True
        self.session = self.open_session(ctx, SESSION_ID)
        ctx.get_all_tasks(self.session, lambda tasks, _: self.reconcile(ctx, tasks))

    def open_foreign(self, ctx: Context, identifier: str) -> None:
        """LC-3: the system woke the app for an app extension's session: connect it so its
        events come, and the handler is called after them."""
        if identifier == SESSION_ID or identifier in self.foreign_sessions:
            return
        self.foreign_sessions[identifier] = self.open_session(ctx, identifier)

    def key_of(self, task: Task) -> Optional[str]:
        if self.bug == bugs.MATCHES_BY_URL:
            # docs/bugs.md#id-01: the URL as the key; a redirect changes it (NET-7).
            for k in sorted(self.downloads):
                d = self.downloads[k]
                if d["url"] == task["currentURL"] and d["status"] == RUNNING:
                    return k
            return None
        if self.bug == bugs.DESCRIPTION_OVERWRITTEN:
            key = self.wrapper_keys.get(task_id(task))
        else:
            key = task.get("taskDescription")
        d = self.downloads.get(key) if key is not None else None
        return key if d is not None and d["task_id"] == task_id(task) else None

    # ---- the file ----

    def finished_for_extension(self, ctx: Context, task: Task, location: str) -> None:
        """ID-5: a download an app extension started: the file goes where it meant."""
        to = extension_destination(task)
        name = f"{task['key']['session']}#{task_id(task)}"
        if to is None:
            return ctx.log(f"{name}: not ours; its file is left to the system")
        status = status_of(task)
        if not 200 <= status < 300:
            return ctx.log(f"{name}: the extension's download got HTTP {status}")
        parent = parent_of(to)
        if parent is not None:
            quietly(lambda: ctx.create_directory(parent))
        staging = f"{to}.bgsim-partial"
        quietly(lambda: ctx.remove_item(staging))
        try:
            ctx.move_item(location, staging)
            ctx.replace_item(to, staging)
        except FileError as e:
            ctx.log(f"{name}: could not place the extension's file: {e.message}")

    def failed_for_extension(self, ctx: Context, task: Task, data: bytes) -> None:
        """ID-5: the data is discarded, in the session it came in, so its partial file does
        not stay in tmp/ (RES-7)."""
        ctx.log(f"{task['key']['session']}#{task_id(task)}: the extension's download failed")
        session = self.foreign_sessions.get(task["key"]["session"])
        if session is None:
            return
        try:
            ctx.cancel(ctx.download_task_with_resume_data(session, data))
        except NSException:
            pass

    def finished(self, ctx: Context, task: Task, location: str) -> None:
        if (self.bug == bugs.UNKNOWN_TASK_CRASHES and task_id(task) not in self.created_here
                and self.key_of(task) is not None):
            # docs/bugs.md#lc-05: the file name comes from a map of this process's tasks.
            raise RuntimeError("URLByAppendingPathComponent: nil file name for "
                               f"{task['key']['session']}#{task_id(task)}")
        key = self.key_of(task)
        if key is None:
            return self.finished_for_extension(ctx, task, location)
        status = status_of(task)
        d = self.downloads[key]
        # docs/bugs.md#tf-03: the mutant never looks at the status.
        if not 200 <= status < 300 and self.bug != bugs.ERROR_BODY_KEPT:
            d["http_status"] = status
            if status in (429, 503):
                d["retry_after_s"] = retry_after(task)
            return self.save(ctx)
        # RES-6: never keep a file shorter than the size announced; an encoded body's
        # announced length counts encoded bytes, not the file's.
        encoded = (task.get("response") or {}).get("contentEncoding") is not None
        expected = -1 if encoded else int(task["countOfBytesExpectedToReceive"])
        if expected >= 0 and self.bug != bugs.NO_LENGTH_CHECK:  # docs/bugs.md#rd-02
            try:
                size: Optional[int] = ctx.file_size(location)
            except FileError:
                size = None
            if size is not None and size != expected:
                ctx.log(f"{key}: file has {size} of {expected} bytes; discarded")
                quietly(lambda: ctx.remove_item(resume_path(key)))
                self.unsaved_resume_data.pop(key, None)
                d["short_file_discarded"] = True
                return self.save(ctx)
        destination = d["destination"]
        staging = f"{destination}.bgsim-partial"
        parent = parent_of(destination)
        # docs/bugs.md#tf-05: the mutant assumes the destination's folder exists.
        if parent is not None and self.bug != bugs.NO_PARENT_FOLDER:
            quietly(lambda: ctx.create_directory(parent))
        if ctx.file_exists(staging):
            quietly(lambda: ctx.remove_item(staging))
        moved: Any  # True: in place; False: waiting for the unlock; a FileError: failed
        try:
            ctx.move_item(location, staging)
            ctx.replace_item(destination, staging)
            moved = True
        except FileError as e:
            moved = e
        if (isinstance(moved, FileError) and moved.code == "permission-denied"
                and self.bug != bugs.NO_STAGING_WHEN_LOCKED):
            # TF-06: Documents is closed while the device is locked. Keep the file where the
            # lock does not reach and finish the move later.
            quietly(lambda: ctx.create_directory(PENDING_DIR))
            try:
                ctx.move_item(location, f"{PENDING_DIR}/{key}")
                moved = False
            except FileError as e:
                moved = e
        if self.bug == bugs.SLOW_WORK_IN_CALLBACK and ctx.app_state != "foreground":
            # docs/bugs.md#ch-04: unzipping right here, in a background wake.
            ctx.busy(45_000_000)
        if self.bug == bugs.MOVE_RESULT_IGNORED or moved is True:  # docs/bugs.md#tf-01
            d["file_ready"] = True
        elif moved is False:
            d["pending_move"] = True
        elif moved.code == "no-space":
            d["waiting_for_space"] = True  # OS-4: shown paused, fetched again later
        else:
            d["failure"] = f"could not move the file: {moved.message}"
        self.save(ctx)

    def refuse_if_unsaved(self, ctx: Context, key: str) -> None:
        """OS-4: a transfer the app could not write down would be forgotten by the next
        process while its task ran on: refuse it now, and say so."""
        if self.saved_as_is(key):
            return
        if key in self.downloads:
            d = self.downloads.pop(key)
            ident, ended = d["task_id"], d["status"] == FAILED
        elif key in self.fetches:
            ident, ended = self.fetches.pop(key)["task_id"], False
        elif key in self.uploads:
            u = self.uploads.pop(key)
            quietly(lambda: ctx.remove_item(u["file"]))
            ident, ended = u["task_id"], u["status"] == FAILED
        else:
            return
        if ended:
            return self.save(ctx)  # already shown failed: nothing to forget
        ctx.log(f"{key}: no room to keep track of it; not transferring it")
        if self.session is not None and ident is not None:
            ctx.cancel({"session": self.identifiers[self.session], "taskId": ident})
        self.save(ctx)
        self.report(ctx, key, FAILED)

    def retry_waiting_for_space(self, ctx: Context) -> None:
        """OS-4: downloads whose file found no room are fetched again once the user is back."""
        for key in keys_where(self.downloads, lambda _, d: d["waiting_for_space"]):
            d = self.downloads[key]
            d["waiting_for_space"] = False
            d["attempts"] = 0
            self.start_task(ctx, key)
        self.save(ctx)

    def finish_pending_moves(self, ctx: Context) -> None:
        """Moves files staged while the device was locked into place (TF-06)."""
        for key in keys_where(self.downloads, lambda _, d: d["pending_move"]):
            to = self.downloads[key]["destination"]
            parent = parent_of(to)
            if parent is not None:
                quietly(lambda: ctx.create_directory(parent))
            try:
                ctx.replace_item(to, f"{PENDING_DIR}/{key}")
            except FileError:
                continue
            d = self.downloads[key]
            d["pending_move"] = False
            d["file_ready"] = True
            self.set_status(ctx, key, DONE)
            self.save(ctx)

    # ---- completion ----

    def start_next_queued(self, ctx: Context) -> None:
        """With the NL-05 bug, the next queued download starts when one ends."""
        if any(d["status"] == RUNNING for d in self.downloads.values()):
            return
        queued = keys_where(self.downloads, lambda _, d: d["status"] == QUEUED)
        if queued:
            self.start_task(ctx, queued[0])

    def completed(self, ctx: Context, task: Task, error: Optional[Record]) -> None:
        data = (error or {}).get("resumeData")
        if extension_destination(task) is not None and data is not None:
            return self.failed_for_extension(ctx, task, data)
        if self.transfer_completed(ctx, task, error):
            return
        self.settle(ctx, task, error)
        if self.bug == bugs.ONE_AT_A_TIME:
            self.start_next_queued(ctx)
            self.save(ctx)

    def challenge(self, ctx: Context, task: Task, event: Record) -> None:
        """HTTP-4: answer with the credentials the app knows, once; a second challenge
        means the server refused them: cancel, and fail the download."""
        handler = event["handler"]
        known = self.settings.get("credentials")
        if not known or ":" not in known:
            return ctx.answer_challenge(handler, "performDefaultHandling")
        user, password = known.split(":", 1)
        if event["challenge"]["previousFailureCount"] == 0:
            return ctx.answer_challenge(handler, "useCredential", user, password)
        key = self.key_of(task)
        if key is not None:
            d = self.downloads[key]
            d["auth_refused"] = True
            d["failure"] = "the server refused the credentials"
            self.save(ctx)
        ctx.answer_challenge(handler, "cancelAuthenticationChallenge")

    def settle(self, ctx: Context, task: Task, error: Optional[Record]) -> None:
        key = self.key_of(task)
        if key is None:
            return
        d = self.downloads[key]
        d["task_id"] = None
        data = (error or {}).get("resumeData")
        if d["user_paused"] or d["status"] == CANCELLED:
            # The user stopped it (RES-2, INV-2): the -999 is the answer, not a failure.
            if data is not None:
                keep_resume_data(ctx, self.unsaved_resume_data, key, data)
            if d["resume_requested"]:
                # The user resumed while the pause was under way: resume from its data now.
                d["resume_requested"] = False
                d["user_paused"] = False
                d["attempts"] = 0
                self.start_task(ctx, key)
            return self.save(ctx)
        cancelled = error is not None and error["code"] == CANCELLED_CODE
        if self.bug == bugs.STALE_RUNNING_AFTER_KILL and cancelled:
            return self.save(ctx)  # docs/bugs.md#lc-02: every -999 taken for its own cancel
        if error is None:
            self.settle_finished(ctx, key, d)
        else:
            self.settle_failed(ctx, key, d, error)
        self.save(ctx)

    def settle_finished(self, ctx: Context, key: str, d: Record) -> None:
        if d["file_ready"]:
            self.set_status(ctx, key, DONE)
        elif d["pending_move"]:
            self.set_status(ctx, key, PAUSED)  # waiting for the unlock to be put in place
        elif d["waiting_for_space"]:
            self.set_status(ctx, key, PAUSED)  # OS-4: no room; fetched again later
        elif d["short_file_discarded"] and d["attempts"] < MAX_ATTEMPTS:
            d["short_file_discarded"] = False
            self.start_task(ctx, key)
        elif d["retry_after_s"] is not None and d["attempts"] < MAX_ATTEMPTS:
            self.start_task(ctx, key)  # the server is busy, not wrong
        else:
            if d["http_status"] is not None:
                d["failure"] = f"HTTP {d['http_status']}"
            elif d["failure"] is None:
                d["failure"] = "no file"
            self.set_status(ctx, key, FAILED)

    def settle_failed(self, ctx: Context, key: str, d: Record, error: Record) -> None:
        data = error.get("resumeData")
        if data is not None:
            keep_resume_data(ctx, self.unsaved_resume_data, key, data)
        if (self.bug == bugs.TIMEOUT_NOT_SURFACED and error["code"] == TIMED_OUT
                and data is not None):
            return  # docs/bugs.md#nl-03: the -1001 is not surfaced: no state, no retry
        force_quit = is_force_quit(error)
        # These cannot heal by asking again (NET-7, NET-8).
        permanent = (error["code"] in (UNSUPPORTED_URL, TOO_MANY_REDIRECTS,
                                       REDIRECT_WITHOUT_LOCATION) or d["auth_refused"])
        retry = d["attempts"] < MAX_ATTEMPTS and not permanent
        if force_quit and self.bug == bugs.FORCE_QUIT_AS_FAILURE:
            # docs/bugs.md#lc-01: read as a failure, its resume data thrown away.
            d["failure"] = f"error {describe_error(error)}"
            quietly(lambda: ctx.remove_item(resume_path(key)))
            self.set_status(ctx, key, FAILED)
        elif force_quit:
            # KILL-3: not a failure. Pause, then carry on from the resume data.
            self.set_status(ctx, key, PAUSED)
            self.save(ctx)
            self.start_task(ctx, key)
        elif retry and self.bug == bugs.BLIP_NOT_RESCHEDULED and error["code"] == CONNECTION_LOST:
            ctx.log(f"{key}: connection lost; retrying with the next download")  # nl-02
        elif retry:
            self.start_task(ctx, key)
        else:
            if not d["auth_refused"]:
                d["failure"] = f"error {describe_error(error)}"
            self.set_status(ctx, key, FAILED)
            if data is not None:
                if self.bug == bugs.RESUME_DATA_LEAKED:
                    # docs/bugs.md#tf-09: the partial file the data points to stays in tmp/.
                    quietly(lambda: ctx.remove_item(resume_path(key)))
                else:
                    self.discard_resume_data(ctx, key, data)

    # ---- resume data ----

    def discard_resume_data(self, ctx: Context, key: str, data: bytes) -> None:
        """A task made from the data and cancelled at once lets the daemon delete the bytes
        it keeps in tmp/ (RES-7); while no task can be made, the data is kept."""
        if self.session is None or self.session_busy():
            return keep_resume_data(ctx, self.unsaved_resume_data, key, data)
        quietly(lambda: ctx.remove_item(resume_path(key)))
        self.unsaved_resume_data.pop(key, None)
        try:
            ctx.cancel(ctx.download_task_with_resume_data(self.session, data))
        except NSException:
            pass

    def discard_leftover_resume_data(self, ctx: Context) -> None:
        """INV-1 / INV-2: resume data that could not be discarded then is, now."""
        leftover = keys_where(self.downloads, lambda k, d: (
            d["status"] in (CANCELLED, FAILED)
            and holds_resume_data(ctx, self.unsaved_resume_data, k)))
        for key in leftover:
            self.discard_stored_resume_data(ctx, key)

    def discard_stored_resume_data(self, ctx: Context, key: str) -> None:
        data = self.unsaved_resume_data.get(key)
        if data is None:
            try:
                data = ctx.read_file(resume_path(key))
            except FileError:
                return
        self.discard_resume_data(ctx, key, data)

    # ---- the user ----

    def key_for_destination(self, destination: str) -> Optional[str]:
        keys = keys_where(self.downloads, lambda _, d: d["destination"] == destination)
        return keys[-1] if keys else None

    def pause_download(self, ctx: Context, destination: str) -> None:
        """RES-2: pause with cancel(byProducingResumeData:), keeping the data to resume."""
        key = self.key_for_destination(destination)
        d = self.downloads.get(key) if key is not None else None
        if key is None or d is None or d["task_id"] is None or d["status"] != RUNNING:
            return
        d["user_paused"] = True
        self.set_status(ctx, key, PAUSED)
        self.save(ctx)

        def paused(data: Optional[bytes], _: Record) -> None:
            if data is not None:
                keep_resume_data(ctx, self.unsaved_resume_data, key, data)
            else:
                ctx.log(f"{key}: not resumable; it will start over")

        task = {"session": SESSION_ID, "taskId": d["task_id"]}
        ctx.cancel_by_producing_resume_data(task, paused)

    def resume_paused(self, ctx: Context, destination: str) -> None:
        """RES-4 / RES-5: a new task from the stored resume data (consumed), or from scratch."""
        key = self.key_for_destination(destination)
        if key is None or not self.downloads[key]["user_paused"]:
            return
        d = self.downloads[key]
        if (self.bug == bugs.PAUSED_WITHOUT_RESUME_DATA
                and not holds_resume_data(ctx, self.unsaved_resume_data, key)):
            return ctx.log(f"{key}: no resume data; cannot resume")  # docs/bugs.md#rd-01
        if d["task_id"] is not None:
            # RES-2: the pause's cancel has not completed: resume once the -999 arrives.
            d["resume_requested"] = True
            ctx.log(f"{key}: resumes once its pause is done")
            return self.save(ctx)
        d["user_paused"] = False
        d["attempts"] = 0
        self.start_task(ctx, key)
        self.save(ctx)

    def stop_session(self, ctx: Context, cancel: bool) -> None:
        """INV-1 / INV-2: stop the session, now (cancelling everything) or once its tasks
        are done. New downloads wait for did-become-invalid, then get a new session."""
        if self.session is None or self.invalidating:
            return
        if cancel:
            # A finished file waiting for the unlock to be moved is kept (TF-06).
            open_keys = keys_where(self.downloads, lambda _, d: (
                d["status"] not in (DONE, FAILED, CANCELLED) and not d["pending_move"]))
            for key in open_keys:
                self.discard_stored_resume_data(ctx, key)
                self.downloads[key]["user_paused"] = False
                self.set_status(ctx, key, CANCELLED)
        self.invalidating = True
        self.save(ctx)
        ctx.invalidate(self.session, cancel)

    def start_queued(self, ctx: Context) -> None:
        """Starts the downloads and uploads that waited for a session."""
        for key in keys_where(self.downloads, lambda _, d: d["status"] == QUEUED):
            self.start_task(ctx, key)
        self.start_queued_uploads(ctx)

