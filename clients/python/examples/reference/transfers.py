"""The reference app's uploads, fetches, and pause and resume of a task: a port of
src/apps/reference/transfers.rs, whose comments say why.

Uploads (API-1) go from the app's own copy of the user's bytes in Application Support and
delete it only after a 2xx (HTTP-1); a 503 or 429 is retried no sooner than its Retry-After
(SCHED-3). Fetches (API-4) use a data task only while the app is in the foreground, and
become downloads when it leaves. Pausing suspends the task (API-7).
"""

from typing import TYPE_CHECKING, Dict, List, Optional

from bgsim_app import Context, FileError, NSException

from . import bugs
from .model import (
    DONE, FAILED, FILE_DOES_NOT_EXIST, MAX_ATTEMPTS, PAUSED, QUEUED, RUNNING, UPLOAD_DIR,
    Record, Task, describe_error, is_force_quit, keys_where, new_download, new_upload,
    one_line, parent_of, quietly, retry_after, status_of, task_id,
)

if TYPE_CHECKING:
    from .downloads import Core


def upload_file(key: str) -> str:
    return f"{UPLOAD_DIR}/{key}.bin"


class Transfers:
    """Uploads, fetches and task suspension: the part of `Core` in transfers.rs."""

    @property
    def uploads(self: "Core") -> Dict[str, Record]:
        return self.store["uploads"]

    @property
    def fetches(self: "Core") -> Dict[str, Record]:
        return self.store["fetches"]

    def next_key(self: "Core", prefix: str) -> str:
        self.store["next_key"] += 1
        return f"{prefix}{self.store['next_key']}"

    # ---- uploads ----

    def new_upload(self: "Core", ctx: Context, url: str, content: bytes) -> str:
        """The user picked `content` to upload to `url`; returns its key."""
        key = self.next_key("u")
        file = upload_file(key)
        quietly(lambda: ctx.create_directory(UPLOAD_DIR))
        failure: Optional[FileError] = None
        try:
            ctx.write_file(file, content)
        except FileError as e:
            failure = e
        self.uploads[key] = new_upload(url, file)
        # Reported first here, in the user's request, so bgsim ties the key to it.
        self.set_upload_status(ctx, key, RUNNING)
        if failure is None:
            self.start_upload(ctx, key)
        else:
            self.fail_upload(ctx, key, f"could not keep the file: {failure.message}")
        self.save(ctx)
        return key

    def set_upload_status(self: "Core", ctx: Context, key: str, status: str) -> None:
        u = self.uploads.get(key)
        if u is not None:
            u["status"] = status
            self.report(ctx, key, status)

    def fail_upload(self: "Core", ctx: Context, key: str, why: str) -> None:
        u = self.uploads.get(key)
        if u is not None:
            u["task_id"] = None
            u["failure"] = why
        self.set_upload_status(ctx, key, FAILED)

    def start_upload(self: "Core", ctx: Context, key: str) -> None:
        """A new task for upload `key`, from its file."""
        if self.session_busy():
            # INV-1 / ID-5: a task made now would raise; it starts with the next session.
            return self.set_upload_status(ctx, key, QUEUED)
        session = self.session
        u = self.uploads.get(key)
        if session is None or u is None:
            return
        try:
            if self.bug == bugs.STREAMED_UPLOAD:
                # The mutant streams the bytes rather than hand the daemon a file (API-6).
                try:
                    body = ctx.read_file(u["file"])
                except FileError as e:
                    return self.fail_upload(ctx, key, f"no file: {e.message}")
                task = ctx.upload_task_with_streamed_request(session, u["url"], body, "PUT")
            else:
                task = ctx.upload_task_from_file(session, u["url"], u["file"], "PUT")
        except NSException:
            ctx.log(f"could not create a task for {key}")
            return
        ctx.set_task_description(task, key)
        wait_s, u["retry_after_s"] = u["retry_after_s"], None
        if wait_s is not None:
            ctx.set_earliest_begin_date(task, ctx.now_us + wait_s * 1_000_000)
        ctx.resume(task)
        u["task_id"] = task["taskId"]
        u["attempts"] += 1
        u["http_status"] = None
        u["user_paused"] = False
        if u["status"] != RUNNING:
            self.set_upload_status(ctx, key, RUNNING)

    def start_queued_uploads(self: "Core", ctx: Context) -> None:
        for key in keys_where(self.uploads, lambda _, u: u["status"] == QUEUED):
            self.start_upload(ctx, key)

    def upload_of(self: "Core", task: Task) -> Optional[str]:
        """The key of the upload `task` works for, if it is the upload's current task."""
        key = task.get("taskDescription")
        u = self.uploads.get(key) if key is not None else None
        return key if u is not None and u["task_id"] == task_id(task) else None

    def fetch_of(self: "Core", task: Task) -> Optional[str]:
        """The key of the fetch `task` works for, if it is the fetch's current data task."""
        key = task.get("taskDescription")
        f = self.fetches.get(key) if key is not None else None
        return key if f is not None and f["task_id"] == task_id(task) else None

    def upload_progress(self: "Core", ctx: Context, task: Task, total: int, expected: int) -> None:
        """PROG-3: the upload's progress, against the file's length."""
        key = self.upload_of(task)
        if key is not None and expected > 0:
            ctx.report_progress(key, min(total / expected, 1.0))

    def received(self: "Core", task: Task, data: bytes) -> None:
        """HTTP-3 / API-4: response bytes, kept in memory until the task completes."""
        key = self.upload_of(task) or self.fetch_of(task)
        if key is not None:
            self.buffers.setdefault(key, bytearray()).extend(data)

    def transfer_completed(self: "Core", ctx: Context, task: Task,
                           error: Optional[Record]) -> bool:
        """didCompleteWithError for an upload or a fetch; False when `task` is neither."""
        key = self.upload_of(task)
        if key is not None:
            self.upload_completed(ctx, key, task, error)
        else:
            key = self.fetch_of(task)
            if key is None:
                return False
            self.fetch_completed(ctx, key, task, error)
        self.save(ctx)
        return True

    def upload_completed(self: "Core", ctx: Context, key: str, task: Task,
                         error: Optional[Record]) -> None:
        reply = bytes(self.buffers.pop(key, b""))
        u = self.uploads[key]
        u["task_id"] = None
        retry = u["attempts"] < MAX_ATTEMPTS
        if error is None:
            # HTTP-1: the status decides, not the error.
            status = status_of(task)
            u["http_status"] = status
            ctx.log(f"{key}: the server answered {status}: {one_line(reply)}")
            if 200 <= status < 300:
                # Kept until the record says done: a relaunch that finds it running
                # uploads it again rather than fail for want of the file.
                self.set_upload_status(ctx, key, DONE)
                self.when_saved("remove", key, u["file"])
            elif 500 <= status < 600 or status == 429:
                if status in (429, 503):
                    u["retry_after_s"] = retry_after(task)
                if retry:
                    self.start_upload(ctx, key)
                else:
                    self.fail_upload(ctx, key, f"HTTP {status}")
            else:
                self.fail_upload(ctx, key, f"HTTP {status}")
        elif error["code"] == FILE_DOES_NOT_EXIST:
            self.fail_upload(ctx, key, "the file is gone")
        elif is_force_quit(error):
            # KILL-3: not a failure. An upload has no resume data: it starts over, unless
            # the user had paused it.
            user_paused = u["user_paused"]
            self.set_upload_status(ctx, key, PAUSED)
            if not user_paused:
                self.start_upload(ctx, key)
        elif retry:
            ctx.log(f"{key}: {describe_error(error)}; trying again")
            self.start_upload(ctx, key)
        else:
            self.fail_upload(ctx, key, f"error {describe_error(error)}")

    # ---- fetches ----

    def new_fetch(self: "Core", ctx: Context, url: str, destination: str) -> str:
        """The user asked for `url`, to keep at `destination`; returns its key."""
        key = self.next_key("f")
        self.fetches[key] = {"url": url, "destination": destination, "task_id": None}
        # Reported first here, in the user's request, so bgsim ties the key to it.
        ctx.report_download_state(key, RUNNING)
        task = None
        if self.session is not None and ctx.app_state == "foreground" and not self.session_busy():
            try:
                task = ctx.data_task(self.session, url)
            except NSException:
                task = None
        if task is not None:
            ctx.set_task_description(task, key)
            ctx.resume(task)
            self.fetches[key]["task_id"] = task["taskId"]
        else:
            # Not in the foreground (or no data task): a download task from the start.
            self.fetch_by_download(ctx, key)
        self.save(ctx)
        return key

    def fetch_by_download(self: "Core", ctx: Context, key: str) -> None:
        """API-4: the fetch becomes a download under the same key."""
        f = self.fetches.pop(key, None)
        if f is None:
            return
        self.buffers.pop(key, None)
        self.downloads[key] = new_download(f["url"], f["destination"])
        self.start_task(ctx, key)

    def fetch_completed(self: "Core", ctx: Context, key: str, task: Task,
                        error: Optional[Record]) -> None:
        data = bytes(self.buffers.pop(key, b""))
        status = status_of(task)
        if error is None and 200 <= status < 300:
            f = self.fetches.pop(key)
            staging = f"{f['destination']}.bgsim-partial"
            parent = parent_of(f["destination"])
            if parent is not None:
                quietly(lambda: ctx.create_directory(parent))
            state = DONE
            try:
                ctx.write_file(staging, data)
                ctx.replace_item(f["destination"], staging)
            except FileError as e:
                ctx.log(f"{key}: could not keep it: {e.message}")
                quietly(lambda: ctx.remove_item(staging))
                state = FAILED
            self.report(ctx, key, state)
        elif error is None:
            self.fetches.pop(key)
            ctx.log(f"{key}: HTTP {status}")
            self.report(ctx, key, FAILED)
        else:
            # API-4: the data task died with the process's connection; a download does not.
            ctx.log(f"{key}: {describe_error(error)}; fetching it with a download task")
            self.fetch_by_download(ctx, key)

    def fetches_to_downloads(self: "Core", ctx: Context) -> None:
        """API-4: the app leaves the foreground; each running fetch becomes a download now."""
        if self.bug == bugs.DATA_TASK_IN_BACKGROUND or not self.fetches:
            return
        for key in sorted(self.fetches):
            running = self.fetches[key]["task_id"]
            if running is not None:
                session = self.identifiers[self.session]  # type: ignore[index]
                ctx.cancel({"session": session, "taskId": running})
            self.fetch_by_download(ctx, key)
        self.save(ctx)

    # ---- at launch ----

    def claims(self: "Core", task: Task) -> bool:
        """LC-5 / TID-4: whether `task` belongs to an upload, a fetch or a paused download."""
        key = task.get("taskDescription") or ""
        ident = task_id(task)
        u = self.uploads.get(key)
        f = self.fetches.get(key)
        d = self.downloads.get(key)
        return (u is not None and u["task_id"] == ident and u["status"] in (RUNNING, PAUSED)
                or f is not None and f["task_id"] == ident
                or d is not None and d["user_paused"] and d["task_id"] == ident)

    def reconcile_transfers(self: "Core", ctx: Context, tasks: List[Task]) -> None:
        """An upload whose task is gone starts again from its file; a fetch whose data task
        is gone (its process died) becomes a download."""
        def alive(key: str, ident: Optional[int]) -> bool:
            return any(t.get("taskDescription") == key and task_id(t) == ident for t in tasks)

        lost = keys_where(self.uploads, lambda k, u: (
            u["status"] == RUNNING and not alive(k, u["task_id"])))
        for key in lost:
            ctx.log(f"{key}: its task is gone; uploading it again")
            self.start_upload(ctx, key)
        for key in keys_where(self.fetches, lambda k, f: not alive(k, f["task_id"])):
            self.fetch_by_download(ctx, key)

    # ---- pause and resume of a task (API-7) ----

    def suspend_transfer(self: "Core", ctx: Context, url: str) -> None:
        """The user paused the transfer of `url`: its task is suspended."""
        if self.session is None:
            return
        session = self.identifiers[self.session]
        found = keys_where(self.uploads, lambda _, u: u["url"] == url and u["status"] == RUNNING)
        if found and self.uploads[found[0]]["task_id"] is not None:
            u = self.uploads[found[0]]
            ctx.suspend({"session": session, "taskId": u["task_id"]})
            u["user_paused"] = True
            self.set_upload_status(ctx, found[0], PAUSED)
        found = keys_where(self.downloads, lambda _, d: d["url"] == url and d["status"] == RUNNING)
        if found and self.downloads[found[0]]["task_id"] is not None:
            d = self.downloads[found[0]]
            ctx.suspend({"session": session, "taskId": d["task_id"]})
            d["user_paused"] = True
            self.set_status(ctx, found[0], PAUSED)
        self.save(ctx)

    def resume_transfer(self: "Core", ctx: Context, url: str) -> None:
        """The user resumed the transfer of `url`: its suspended task resumes (a download
        where it was, an upload from the start), or, if the task is gone (a force-quit
        cancelled it), a new task starts (from the resume data, if any)."""
        if self.session is None:
            return
        session = self.identifiers[self.session]

        def live(ident: Optional[int]) -> Optional[Record]:
            if ident is None:
                return None
            key = {"session": session, "taskId": ident}
            info = ctx.task_info(key)
            return key if info is not None and info["state"] == "suspended" else None

        found = keys_where(self.uploads, lambda _, u: u["url"] == url and u["user_paused"])
        if found:
            u = self.uploads[found[0]]
            task = live(u["task_id"])
            if task is not None:
                ctx.resume(task)
                u["user_paused"] = False
                self.set_upload_status(ctx, found[0], RUNNING)
            else:
                self.start_upload(ctx, found[0])
        found = keys_where(self.downloads, lambda _, d: d["url"] == url and d["user_paused"])
        if found:
            d = self.downloads[found[0]]
            d["user_paused"] = False
            task = live(d["task_id"])
            if task is not None:
                ctx.resume(task)
                self.set_status(ctx, found[0], RUNNING)
            else:
                self.start_task(ctx, found[0])
        self.save(ctx)
