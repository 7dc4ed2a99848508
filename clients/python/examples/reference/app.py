"""The app delegate and the session delegate of the reference app: a port of the `App` and
`DownloadDelegate` implementations in src/apps/reference.rs.

Every launch is a new process, so `Core` starts empty and loads the store; the session is
made again at every launch, user or system (LC-4), and reconciled with getAllTasks (TID-4).
The completion handler of a wake is stored (CH-1) and called once, on the main queue,
after urlSessionDidFinishEvents (CH-2).
"""

import base64
from typing import Any, Dict, Optional

from bgsim_app import AppDelegate, Context, FileError, SessionDelegate

from . import bugs, store
from .downloads import Core
from .model import (
    CANCELLED, EXTENSION_SESSION, IN_USE_BY_ANOTHER_PROCESS, RESUME_DIR, RUNNING, SESSION_ID,
    QUEUED, Record, keys_where, new_download, quietly,
)

Event = Dict[str, Any]

FEATURES = ["pause-resume", "fetch", "upload", "sign-out", "stop-after-downloads",
            "session-settings"]


def with_bytes(error: Optional[Record]) -> Optional[Record]:
    """An error object with its resume data decoded from base64 (as the app stores it)."""
    if error is None or error.get("resumeData") is None:
        return error
    return {**error, "resumeData": base64.b64decode(error["resumeData"])}


class Delegate(SessionDelegate):
    """One session's delegate: hands each event to the process's `Core`."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def didWriteData(self, ctx: Context, event: Event) -> None:
        core, task = self.core, event["task"]
        key = core.key_of(task)
        if key is None:
            return
        total, expected = event["totalBytesWritten"], event["totalBytesExpectedToWrite"]
        if core.bug == bugs.DIVIDES_BY_UNKNOWN_LENGTH:
            # docs/bugs.md#pr-01: divides by -1 when the length is unknown (PROG-2).
            return ctx.report_progress(key, total / expected if expected else 0.0)
        # PROG-2: with an unknown length (-1) the bar is indeterminate, not a fraction.
        if expected <= 0:
            return
        fraction = min(total / expected, 1.0)
        if core.bug == bugs.PROGRESS_ON_MAIN_QUEUE:
            # docs/bugs.md#cc-02: progress goes to main, the status stays here.
            ctx.dispatch("main", lambda _: ctx.report_progress(key, fraction),
                         label="show progress")
            return
        ctx.report_progress(key, fraction)
        if core.bug == bugs.STORE_WRITTEN_FROM_TWO_QUEUES:
            # docs/bugs.md#cc-01: progress saved from main, from a copy of the download's
            # record taken now, over a status saved meanwhile from the delegate queue.
            stale = store.record_bytes(core.store, key)
            path = store.record_path(core.store_dir(), key)
            ctx.dispatch("main", lambda _: quietly(lambda: ctx.write_file(path, stale)),
                         label="save progress")

    def didFinishDownloadingTo(self, ctx: Context, event: Event) -> None:
        core, task, location = self.core, event["task"], event["location"]
        response = task.get("response")
        ok = response is not None and 200 <= response["statusCode"] < 300
        if ok and core.bug == bugs.ASYNC_MOVE:
            # docs/bugs.md#tf-02: the file is moved from a later block on main; by then iOS
            # has deleted it.
            key = core.key_of(task)
            to = core.downloads[key]["destination"] if key is not None else None

            def move(_: Event) -> None:
                if to is None:
                    return
                try:
                    ctx.move_item(location, to)
                except FileError as e:
                    ctx.log(f"could not move the file: {e.message}")

            ctx.dispatch("main", move, label="move the file")
            return
        core.finished(ctx, task, location)

    def didSendBodyData(self, ctx: Context, event: Event) -> None:
        self.core.upload_progress(ctx, event["task"], event["totalBytesSent"],
                                  event["totalBytesExpectedToSend"])

    def didReceiveData(self, ctx: Context, event: Event) -> None:
        self.core.received(event["task"], base64.b64decode(event["data"]))

    def didCompleteWithError(self, ctx: Context, event: Event) -> None:
        self.core.completed(ctx, event["task"], with_bytes(event.get("error")))

    def didBecomeInvalidWithError(self, ctx: Context, event: Event) -> None:
        """ID-5: -996 means an app extension holds the identifier: note it; downloads wait
        in `queued`, and the session is made again at the next foreground, wake or launch.
        Otherwise the old session is gone (INV-1, INV-2): the new one is made on main,
        after this callback returns (ID-4), and a wake's handler still held is called."""
        core, session, error = self.core, event["session"], event.get("error")
        if error is None or error["code"] != IN_USE_BY_ANOTHER_PROCESS:
            return ctx.dispatch("main", lambda _: self.reopen(ctx, session),
                                label="open a new session")
        ctx.log(f"session {session} is in use by another process; downloads wait for it")
        if session == SESSION_ID:
            core.refused = True
            core.recovering = False
            core.session = None
        else:
            core.foreign_sessions.pop(session, None)

    def reopen(self, ctx: Context, session: str) -> None:
        core = self.core
        handler = core.handlers.pop(session, None)
        if handler is not None:
            ctx.call_completion_handler(handler)
        core.session = core.open_session(ctx, SESSION_ID)
        core.invalidating = False
        core.discard_leftover_resume_data(ctx)
        core.start_queued(ctx)
        core.save(ctx)

    def didReceiveChallenge(self, ctx: Context, event: Event) -> None:
        self.core.challenge(ctx, event["task"], event)

    def urlSessionDidFinishEvents(self, ctx: Context, event: Event) -> None:
        core, session = self.core, event["session"]
        if core.bug == bugs.HANDLER_ON_DELEGATE_QUEUE:
            # docs/bugs.md#ch-03: called right here, on the delegate queue.
            handler = core.handlers.pop(session, None)
            if handler is not None:
                ctx.call_completion_handler(handler)
            return

        def call(_: Event) -> None:
            handler = core.handlers.pop(session, None)
            if handler is not None:
                ctx.call_completion_handler(handler)

        ctx.dispatch("main", call, label="call the completion handler")


class ReferenceApp(AppDelegate):
    """The reference app, with one real bug (`--bug NAME`) or none."""

    def __init__(self, bug: Optional[str]) -> None:
        self.bug = bug
        self.name = f"reference-py ({bug})" if bug else "reference-py"
        self.features = FEATURES
        self.extension_session = EXTENSION_SESSION
        self.variants = [{"name": b.name, "args": ["--bug", b.name], "caughtBy": b.caught_by}
                         for b in bugs.BUGS.values()]
        self.core: Optional[Core] = None

    def core_of(self, ctx: Context) -> Core:
        if self.core is None:  # the welcome's [session] settings are known by now
            self.core = Core(self.bug, ctx.session_settings, Delegate)
        return self.core

    def didFinishLaunching(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        if core.bug == bugs.STORE_LOADED_LATE:
            # docs/bugs.md#lc-04: the store is set up after the session, once the UI is up.
            ctx.dispatch("main", lambda _: core.load(ctx), delay_us=50_000,
                         label="load the store")
        else:
            core.load(ctx)
        if core.bug == bugs.RESUME_DATA_IN_MEMORY:
            # docs/bugs.md#rd-04: resume data kept in memory only; a new process has none.
            quietly(lambda: ctx.remove_item(RESUME_DIR))
        if core.bug in (bugs.LAZY_SESSION, bugs.SESSION_ONLY_IN_HANDLE_EVENTS):
            # docs/bugs.md#lc-06 / CH-06: no session at launch; it is made later, if ever.
            return core.finish_pending_moves(ctx)
        core.connect(ctx)

    def applicationWillEnterForeground(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        core.finish_pending_moves(ctx)
        core.retry_waiting_for_space(ctx)
        core.reopen_if_refused(ctx)

    def applicationDidEnterBackground(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        core.fetches_to_downloads(ctx)
        if core.bug == bugs.HOOK_CANCELS_ALL:
            # docs/bugs.md#lc-03: the lifecycle hook marks every download cancelled.
            for key in sorted(core.downloads):
                core.set_status(ctx, key, CANCELLED)
            core.save(ctx)

    def userTappedUpload(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        key = core.new_upload(ctx, event["url"], base64.b64decode(event["content"]))
        core.refuse_if_unsaved(ctx, key)

    def userTappedFetch(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        key = core.new_fetch(ctx, event["url"], event["destination"])
        core.refuse_if_unsaved(ctx, key)

    def userTappedSuspendTask(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).suspend_transfer(ctx, event["url"])

    def userTappedResumeTask(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).resume_transfer(ctx, event["url"])

    def handleEventsForBackgroundURLSession(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        identifier, handler = event["identifier"], event["handler"]
        if core.bug == bugs.SESSION_ONLY_IN_HANDLE_EVENTS and core.session is None:
            core.connect(ctx)  # docs/bugs.md#ch-06: the session is made again only here
        if core.bug == bugs.HANDLER_NOT_STORED:
            pass  # docs/bugs.md#ch-01: nothing can call it
        elif core.bug == bugs.HANDLER_STORED_LATE:
            # docs/bugs.md#ch-02: stored once the download manager is set up, too late.
            ctx.dispatch("main", lambda _: core.handlers.__setitem__(identifier, handler),
                         delay_us=500_000, label="store the handler")
        elif core.bug == bugs.HANDLER_CALLED_EARLY:
            ctx.call_completion_handler(handler)  # docs/bugs.md#ch-04: before the events
        else:
            core.handlers[identifier] = handler
        # The events flow only to a connected session (LC-4, ID-5).
        core.reopen_if_refused(ctx)
        if core.bug != bugs.IGNORES_EXTENSION_SESSION:  # docs/bugs.md#lc-10
            core.open_foreign(ctx, identifier)

    def userTappedDownload(self, ctx: Context, event: Event) -> None:
        core = self.core_of(ctx)
        lazy = core.bug in (bugs.LAZY_SESSION, bugs.SESSION_ONLY_IN_HANDLE_EVENTS)
        if lazy and core.session is None:
            core.connect(ctx)  # docs/bugs.md#lc-06: made when the first download needs it
        key = core.next_key("d")
        destination = event["destination"]
        if core.bug == bugs.ABSOLUTE_DESTINATION:
            # docs/bugs.md#tf-07: the mutant stores the absolute path of the destination.
            destination = f"{ctx.container_root()}/{destination}"
        core.downloads[key] = new_download(event["url"], destination)
        busy = core.session_busy() or core.bug == bugs.ONE_AT_A_TIME and any(
            k != key and d["status"] == RUNNING for k, d in core.downloads.items())
        if busy:
            core.set_status(ctx, key, QUEUED)
        else:
            core.start_task(ctx, key)
        if core.bug == bugs.BLIP_NOT_RESCHEDULED:
            # docs/bugs.md#nl-02: only a new enqueue restarts downloads a blip left taskless.
            stuck = keys_where(core.downloads, lambda _, d: (
                d["status"] == RUNNING and d["task_id"] is None))
            for k in stuck:
                core.start_task(ctx, k)
        core.save(ctx)
        core.refuse_if_unsaved(ctx, key)

    def userTappedPause(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).pause_download(ctx, event["destination"])

    def userTappedResume(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).resume_paused(ctx, event["destination"])

    def userTappedSignOut(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).stop_session(ctx, True)

    def userTappedStopAfterDownloads(self, ctx: Context, event: Event) -> None:
        self.core_of(ctx).stop_session(ctx, False)
