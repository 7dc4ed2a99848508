#!/usr/bin/env python3
"""A background downloader written with bgsim_app, a port of
clients/node/examples/downloader_app.js (its app and the native module's session work):

    bgsim run --app-command "python3 clients/python/examples/downloader_app.py" scenarios/t1-*.toml

One background session with launch events; every download a job with an id kept in the
task's taskDescription and in a JSON store in the container (Library/Application Support),
so a relaunch re-attaches through getAllTasks; the file moved (staged, then replaced)
inside didFinishDownloadingTo, an error status or a short file a failure; retries for
errors that may heal (3 attempts); a force-quit's cancel carried on from its resume data;
pause and resume by suspending the task; a file that arrives while the device is locked
parked in Library/Caches until the app comes to the front; and the completion handler of a
background wake called on main once the session's events are finished.

`--bug no-complete-handler` never calls the completion handler.
"""

import json
import os
import sys
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bgsim_app import AppDelegate, Context, FileError, SessionDelegate, run_app  # noqa: E402

BUGS: Dict[str, Dict[str, Any]] = {
    "no-complete-handler": {
        "name": "rn-01-complete-handler-never-called",
        "caughtBy": ["handler-once", "wake-budget"],
        "about": "never calls the completion handler after a background wake",
    },
}

IDENTIFIER = "com.example.app.backgrounddownloadtask"
STORE = "Library/Application Support/downloads.json"
PENDING = "Library/Caches/downloader/pending"
MAX_ATTEMPTS = 3
CANCELLED = -999
FORCE_QUIT = 0
# Codes asking again cannot heal: unsupported URL, too many redirects, bad redirect.
PERMANENT = {-1002, -1007, -1010}


def bug_of(argv: List[str]) -> Optional[str]:
    if "--bug" not in argv:
        return None
    at = argv.index("--bug")
    name = argv[at + 1] if at + 1 < len(argv) else ""
    for key, bug in BUGS.items():
        if name in (key, bug["name"]):
            return key
    sys.stderr.write(f"unknown bug {name}; known: {', '.join(BUGS)}\n")
    sys.exit(2)


def retryable(code: int) -> bool:
    if code in PERMANENT:
        return False
    if code >= 300:  # an HTTP status: a busy or failing server may answer next time
        return code >= 500 or code in (408, 429)
    return True


def parent_of(path: str) -> Optional[str]:
    return path.rsplit("/", 1)[0] if "/" in path else None


class Downloader(AppDelegate, SessionDelegate):
    """The app delegate and the session's delegate."""

    def __init__(self, bug: Optional[str]) -> None:
        self.bug = bug
        self.name = f"py-downloader-example ({BUGS[bug]['name']})" if bug else "py-downloader-example"
        self.features = ["pause-resume"]
        self.variants = [{"name": b["name"], "args": ["--bug", k], "caughtBy": b["caughtBy"]}
                         for k, b in BUGS.items()]
        self.session: Optional[int] = None
        self.next_id = 0
        # id -> {url, destination, state, attempts, taskId, paused, pendingMove, resumeData}
        self.downloads: Dict[str, Dict[str, Any]] = {}
        self.handlers: List[int] = []  # completion handlers of background wakes
        self.events_finished = False

    # ---- store ----

    def load(self, ctx: Context) -> None:
        try:
            if ctx.file_exists(STORE):
                saved = json.loads(ctx.read_file(STORE).decode("utf-8"))
                self.next_id = int(saved.get("nextId", 0))
                self.downloads = dict(saved.get("downloads", {}))
        except (FileError, ValueError) as e:
            ctx.log(f"{STORE} is unreadable ({e}); starting empty")

    def save(self, ctx: Context) -> None:
        try:
            ctx.create_directory(parent_of(STORE) or "")
            ctx.write_file(STORE, json.dumps({"nextId": self.next_id, "downloads": self.downloads}))
        except FileError as e:
            ctx.log(f"could not save {STORE}: {e}")

    def set_state(self, ctx: Context, id: str, state: str) -> None:
        self.downloads[id]["state"] = state
        ctx.report_download_state(id, state)

    def id_for(self, destination: str) -> Optional[str]:
        ids = [k for k, d in self.downloads.items() if d["destination"] == destination]
        return ids[-1] if ids else None

    def id_of(self, task: Dict[str, Any]) -> Optional[str]:
        id = task.get("taskDescription")
        d = self.downloads.get(id) if id is not None else None
        if d is None or d.get("taskId") != task["key"]["taskId"] or d["state"] in ("done", "failed"):
            return None
        return id

    # ---- session and tasks ----

    def open_session(self, ctx: Context) -> int:
        if self.session is None:
            configuration = {"identifier": IDENTIFIER, "sessionSendsLaunchEvents": True,
                             "isDiscretionary": False}
            self.session = ctx.create_background_session(configuration, self)
        return self.session

    def start(self, ctx: Context, id: str, resume_data: Optional[bytes] = None) -> None:
        d = self.downloads[id]
        d["attempts"] += 1
        session = self.open_session(ctx)
        if resume_data is None and d.get("resumeData"):
            import base64
            resume_data = base64.b64decode(d["resumeData"])
        d["resumeData"] = None
        if resume_data:
            task = ctx.download_task_with_resume_data(session, resume_data)
        else:
            task = ctx.download_task(session, d["url"])
        ctx.set_task_description(task, id)
        ctx.resume(task)
        d["taskId"] = task["taskId"]
        ctx.log(f"{id}: task {task['taskId']}{' from resume data' if resume_data else ''}")

    def key(self, id: str) -> Dict[str, Any]:
        return {"session": IDENTIFIER, "taskId": self.downloads[id]["taskId"]}

    def fail(self, ctx: Context, id: str, why: str, code: int) -> None:
        d = self.downloads[id]
        ctx.log(f"{id}: {why}")
        if retryable(code) and d["attempts"] < MAX_ATTEMPTS:
            self.start(ctx, id)
        else:
            d["taskId"] = None
            self.set_state(ctx, id, "failed")
            self.discard_resume_data(ctx, id)

    def discard_resume_data(self, ctx: Context, id: str) -> None:
        """RES-7: a task made from the data and cancelled lets the daemon delete its partial file."""
        d = self.downloads[id]
        if d.get("resumeData"):
            import base64
            task = ctx.download_task_with_resume_data(self.open_session(ctx), base64.b64decode(d["resumeData"]))
            ctx.cancel(task)
            d["resumeData"] = None

    def place(self, ctx: Context, src: str, dst: str) -> None:
        parent = parent_of(dst)
        if parent:
            ctx.create_directory(parent)
        staging = f"{dst}.partial"
        if ctx.file_exists(staging):
            ctx.remove_item(staging)
        ctx.move_item(src, staging)
        ctx.replace_item(dst, staging)

    def finish_pending_moves(self, ctx: Context) -> None:
        for id, d in self.downloads.items():
            if not d.get("pendingMove"):
                continue
            try:
                self.place(ctx, f"{PENDING}/{id}", d["destination"])
            except FileError:
                continue
            d["pendingMove"] = False
            self.set_state(ctx, id, "done")
        self.save(ctx)

    def call_finished_handlers(self, ctx: Context) -> None:
        if not self.events_finished or self.bug == "no-complete-handler":
            return
        handlers, self.handlers = self.handlers, []
        self.events_finished = False
        for handler in handlers:
            ctx.dispatch("main", lambda ev, h=handler: ctx.call_completion_handler(h),
                         label="call the completion handler")

    # ---- the app delegate ----

    def didFinishLaunching(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.load(ctx)
        self.open_session(ctx)
        self.finish_pending_moves(ctx)
        made_before = {id: d.get("taskId") for id, d in self.downloads.items()}
        ctx.get_all_tasks(self.open_session(ctx), lambda tasks, ev: self.reattach(ctx, tasks, made_before))

    def reattach(self, ctx: Context, tasks: List[Dict[str, Any]], made_before: Dict[str, Any]) -> None:
        seen = set()
        for t in tasks:
            if t.get("kind") != "download":
                continue
            id = self.id_of(t)
            if id is not None:
                seen.add(id)
            elif t.get("state") in ("running", "suspended"):
                ctx.log(f"task {t['key']['taskId']} ({t.get('taskDescription')}) is no one's: cancelled")
                ctx.cancel(t["key"])
        for id, d in self.downloads.items():
            if id in seen or d["state"] != "running" or d.get("pendingMove"):
                continue
            # A task made since the lookup began is not in its answer; only older ones are gone.
            if d.get("taskId") is None or d.get("taskId") == made_before.get(id):
                ctx.log(f"{id}: its task is gone; starting it again")
                self.start(ctx, id)
        self.save(ctx)

    def handleEventsForBackgroundURLSession(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.handlers.append(event["handler"])
        if event["identifier"] == IDENTIFIER:
            self.open_session(ctx)

    def applicationWillEnterForeground(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.finish_pending_moves(ctx)

    def userTappedDownload(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.next_id += 1
        id = f"dl-{self.next_id}"
        self.downloads[id] = {"url": event["url"], "destination": event["destination"], "state": "running",
                              "attempts": 0, "taskId": None, "paused": False, "pendingMove": False,
                              "resumeData": None}
        ctx.report_download_state(id, "running")
        self.start(ctx, id)
        self.save(ctx)

    def userTappedPause(self, ctx: Context, event: Dict[str, Any]) -> None:
        id = self.id_for(event["destination"])
        if id is None or self.downloads[id]["state"] != "running" or self.downloads[id].get("pendingMove"):
            return
        d = self.downloads[id]
        d["paused"] = True
        if d["taskId"] is not None:
            ctx.suspend(self.key(id))
        self.set_state(ctx, id, "paused")
        self.save(ctx)

    def userTappedResume(self, ctx: Context, event: Dict[str, Any]) -> None:
        id = self.id_for(event["destination"])
        if id is None or self.downloads[id]["state"] != "paused" or self.downloads[id].get("pendingMove"):
            return
        d = self.downloads[id]
        d["paused"] = False
        if d["taskId"] is not None:
            ctx.resume(self.key(id))
        else:
            d["attempts"] = 0
            self.start(ctx, id)
        self.set_state(ctx, id, "running")
        self.save(ctx)

    # ---- the session delegate ----

    def didWriteData(self, ctx: Context, event: Dict[str, Any]) -> None:
        id = self.id_of(event["task"])
        total = event["totalBytesExpectedToWrite"]
        if id is not None and total > 0:
            ctx.report_progress(id, min(1.0, event["totalBytesWritten"] / total))

    def didFinishDownloadingTo(self, ctx: Context, event: Dict[str, Any]) -> None:
        task = event["task"]
        id = self.id_of(task)
        if id is None:
            ctx.log(f"task {task['key']['taskId']} is no one's; its file is left to the system")
            return
        d = self.downloads[id]
        response = task.get("response") or {}
        status = response.get("statusCode", 0)
        if not 200 <= status < 300:
            self.fail(ctx, id, f"HTTP status {status}", status)
            self.save(ctx)
            return
        # RES-6: never keep a file shorter than announced (an encoded body counts its encoding).
        expected = -1 if response.get("contentEncoding") else task.get("countOfBytesExpectedToReceive", -1)
        size = ctx.file_size(event["location"])
        if expected >= 0 and size != expected:
            d["resumeData"] = None
            self.fail(ctx, id, f"the file has {size} of {expected} bytes", -1)
            self.save(ctx)
            return
        try:
            self.place(ctx, event["location"], d["destination"])
        except FileError as e:
            if e.code != "permission-denied":
                d["taskId"] = None
                self.set_state(ctx, id, "failed")
                ctx.log(f"{id}: could not move the file: {e}")
            else:
                # TF-06: the device is locked and the destination protected; park the file.
                ctx.create_directory(PENDING)
                ctx.move_item(event["location"], f"{PENDING}/{id}")
                d["pendingMove"] = True
                d["taskId"] = None
                self.set_state(ctx, id, "paused")
                ctx.log(f"{id}: the device is locked; the file waits in {PENDING}")
            self.save(ctx)
            return
        d["taskId"] = None
        self.set_state(ctx, id, "done")
        self.save(ctx)

    def didCompleteWithError(self, ctx: Context, event: Dict[str, Any]) -> None:
        id = self.id_of(event["task"])
        if id is None:
            return  # ended already in didFinishDownloadingTo, or stale
        d = self.downloads[id]
        error = event.get("error")
        if error is None:
            self.fail(ctx, id, "the download ended without a file", -1)
            self.save(ctx)
            return
        data = error.get("resumeData")
        if error.get("code") == CANCELLED and d.get("paused"):
            d["resumeData"] = data  # a force-quit cancelled the suspended task: still paused
            d["taskId"] = None
        elif error.get("code") == CANCELLED and error.get("cancelReason") == FORCE_QUIT:
            ctx.log(f"{id}: cancelled by a force-quit; resuming")
            d["attempts"] -= 1
            d["resumeData"] = data
            self.start(ctx, id)
        else:
            d["resumeData"] = data
            self.fail(ctx, id, f"NSURLErrorDomain error {error.get('code')}", int(error.get("code", -1)))
        self.save(ctx)

    def didBecomeInvalidWithError(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.session = None

    def urlSessionDidFinishEvents(self, ctx: Context, event: Dict[str, Any]) -> None:
        self.events_finished = True
        self.call_finished_handlers(ctx)


if __name__ == "__main__":
    sys.exit(run_app(Downloader(bug_of(sys.argv[1:]))))
