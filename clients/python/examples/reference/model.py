"""What the reference app keeps: its store of downloads, uploads and fetches (saved in the
container after every change, by store.py), and the small helpers the rest shares.

The records have the fields of the ones `src/apps/reference/store.rs` writes, in their
order, so a container left by one app reads the same in the other. Maps are walked in key
order everywhere, as the Rust app's `BTreeMap`s are: the order of the calls is part of the
history.
"""

import re
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, List, Optional

from bgsim_app import Context, FileError

Record = Dict[str, Any]
Task = Dict[str, Any]

SESSION_ID = "com.bgsim.reference.downloads"
EXTENSION_SESSION = "com.bgsim.reference.share"
RESUME_DIR = "Library/Application Support/resume"
# Where finished files wait while the device is locked (not protected: Caches).
PENDING_DIR = "Library/Caches/pending"
UPLOAD_DIR = "Library/Application Support/uploads"
# Attempts per download before it is marked failed (errors other than force-quit).
MAX_ATTEMPTS = 3
# ID-5: an app extension's download names where its file goes after this prefix.
EXTENSION_PREFIX = "extension -> "

# Status words, as stored and as reported.
RUNNING, PAUSED, DONE, FAILED, QUEUED, CANCELLED = (
    "running", "paused", "done", "failed", "queued", "cancelled")

# NSURLError codes the app tells apart.
CANCELLED_CODE = -999
TIMED_OUT = -1001
UNSUPPORTED_URL = -1002
CONNECTION_LOST = -1005
TOO_MANY_REDIRECTS = -1007
REDIRECT_WITHOUT_LOCATION = -1010
FILE_DOES_NOT_EXIST = -1100
IN_USE_BY_ANOTHER_PROCESS = -996
# cancelReason 0: NSURLErrorCancelledReasonUserForceQuitApplication.
FORCE_QUIT = 0

ERROR_NAMES = {
    -999: "cancelled", -1001: "timed-out", -1002: "unsupported-url", -1004: "cannot-connect",
    -1005: "connection-lost", -1007: "too-many-redirects", -1009: "not-connected",
    -1010: "redirect-without-location", -1015: "cannot-decode-raw-data",
    -1016: "cannot-decode-content-data", -1012: "user-cancelled-authentication",
    -1100: "file-does-not-exist", -997: "background-session-was-disconnected",
    -996: "background-session-in-use-by-another-process",
    -995: "background-session-requires-shared-container", -3003: "cannot-write-to-file",
}


def describe_error(error: Record) -> str:
    """An NSError as bgsim writes it in histories: `-999 cancelled reason=0 +resume-data`."""
    code = int(error["code"])
    text = f"{code} {ERROR_NAMES.get(code, 'error')}"
    if error.get("cancelReason") is not None:
        text += f" reason={error['cancelReason']}"
    if error.get("resumeData") is not None:
        text += " +resume-data"
    return text


def is_force_quit(error: Optional[Record]) -> bool:
    return (error is not None and error["code"] == CANCELLED_CODE
            and error.get("cancelReason") == FORCE_QUIT)


def new_store() -> Record:
    return {"next_key": 0, "downloads": {}, "uploads": {}, "fetches": {}}


def new_download(url: str, destination: str) -> Record:
    """A download the user just asked for, about to get its first task."""
    return {
        "url": url, "destination": destination, "status": RUNNING, "task_id": None,
        "attempts": 0, "http_status": None, "file_ready": False, "failure": None,
        "retry_after_s": None, "pending_move": False, "user_paused": False,
        "short_file_discarded": False, "resume_requested": False, "auth_refused": False,
        "waiting_for_space": False,
    }


def new_upload(url: str, file: str) -> Record:
    return {
        "url": url, "file": file, "status": RUNNING, "task_id": None, "attempts": 0,
        "http_status": None, "retry_after_s": None, "failure": None, "user_paused": False,
    }


def keys_where(records: Dict[str, Record], keep: Callable[[str, Record], bool]) -> List[str]:
    """The keys whose records `keep` accepts, in key order; a list, so that the store can
    change while they are worked through."""
    return [k for k in sorted(records) if keep(k, records[k])]


def resume_path(key: str) -> str:
    return f"{RESUME_DIR}/{key}.resume"


def parent_of(path: str) -> Optional[str]:
    return path.rsplit("/", 1)[0] if "/" in path else None


def quietly(call: Callable[[], Any]) -> None:
    """A file call whose failure changes nothing for the app (`let _ =` in Rust)."""
    try:
        call()
    except FileError:
        pass


def keep_resume_data(ctx: Context, unsaved: Dict[str, bytes], key: str, data: bytes) -> None:
    """Persists `data` for `key`, to start its next task from (RES-4); kept in `unsaved`
    (memory only) when it cannot be written (no room, OS-4)."""
    quietly(lambda: ctx.create_directory(RESUME_DIR))
    try:
        ctx.write_file(resume_path(key), data)
        unsaved.pop(key, None)
    except FileError:
        unsaved[key] = data


def holds_resume_data(ctx: Context, unsaved: Dict[str, bytes], key: str) -> bool:
    """Whether resume data is kept for `key`, unsaved or stored."""
    return key in unsaved or ctx.file_exists(resume_path(key))


def take_resume_data(ctx: Context, unsaved: Dict[str, bytes], key: str) -> Optional[bytes]:
    """Takes the resume data kept for `key`, unsaved or stored (the file is removed: RES-5)."""
    if key in unsaved:
        return unsaved.pop(key)
    resume_file = resume_path(key)
    if not ctx.file_exists(resume_file):
        return None
    try:
        data: Optional[bytes] = ctx.read_file(resume_file)
    except FileError:
        data = None
    quietly(lambda: ctx.remove_item(resume_file))
    return data


def extension_destination(task: Task) -> Optional[str]:
    """ID-5: where an app extension meant a download of its own to go."""
    description = task.get("taskDescription")
    if description is None or not description.startswith(EXTENSION_PREFIX):
        return None
    return description[len(EXTENSION_PREFIX):]


def status_of(task: Task) -> int:
    """The response's status code; 0 without a response."""
    response = task.get("response")
    return int(response["statusCode"]) if response else 0


def task_id(task: Task) -> int:
    return int(task["key"]["taskId"])


def one_line(reply: bytes) -> str:
    """A reply as one short line of a log: whitespace runs become one space, and at most
    120 characters are kept."""
    line = " ".join(reply.decode("utf-8", errors="replace").split())
    return line[:120] + "..." if len(line) > 120 else line


def retry_after(task: Task) -> int:
    """How many seconds a 429 or 503 asks to wait (RFC 9110 §10.2.3): delay-seconds, or an
    HTTP-date counted from the response's own `Date` (the server's clock, not the phone's).
    A minute when there is no usable value."""
    fallback_s = 60
    response = task.get("response")
    value = (response or {}).get("retryAfter")
    if value is None:
        return fallback_s
    value = value.strip()
    if re.fullmatch(r"\+?[0-9]+", value) and int(value) < 2**64:
        return int(value)

    def date(text: Optional[str]) -> Any:
        try:
            return parsedate_to_datetime(text.strip()) if text else None
        except (TypeError, ValueError, IndexError):
            return None

    at, now = date(value), date(response.get("date") if response else None)
    if at is None or now is None:
        return fallback_s
    try:
        # A date at or before the response's Date: retry at once.
        return max(0, int((at - now).total_seconds()))
    except TypeError:  # one of them without a zone
        return fallback_s
