"""A Python client of bgsim's app protocol (docs/protocol.md, version 1).

Standard library only, Python 3.9+. It hides the JSON lines: `run_app()` says `hello`,
reads each event from standard input, calls the method of the same name on the app
delegate (an `AppDelegate` subclass) or on the session's delegate (a `SessionDelegate`
subclass given to `Context.create_background_session`), or the block a `runBlock` names,
and ends the turn with `return` (or `crash` when app code raises). Calls that return
(docs/protocol.md: **returns**) wait for bgsim's `result` / `exception` / `error`.
It never reads the clock and starts no thread: bgsim owns time (`Context.now_us`).
"""

import base64
import json
import sys
from typing import Any, Callable, Dict, IO, List, Optional, Union

__all__ = [
    "PROTOCOL_VERSION", "DELEGATE_EVENTS", "FramingError", "ProtocolError", "NSException",
    "FileError", "encode", "decode", "StreamTransport", "MemoryTransport", "AppDelegate",
    "SessionDelegate", "Context", "run_app",
]

PROTOCOL_VERSION = 1

Message = Dict[str, Any]
TaskKey = Dict[str, Any]
Block = Callable[[Message], Any]

DELEGATE_EVENTS = frozenset([
    "didWriteData", "didSendBodyData", "didReceiveData", "didResumeAtOffset",
    "didFinishDownloadingTo", "didCompleteWithError", "didReceiveChallenge",
    "didBecomeInvalidWithError", "urlSessionDidFinishEvents",
])


class FramingError(Exception):
    """A line that is not JSON, or not a JSON object."""


class ProtocolError(Exception):
    """bgsim sent something this client does not understand (or nothing at all)."""


class NSException(Exception):
    """iOS raised an Objective-C exception: the process crashes when the callback returns."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class FileError(Exception):
    """A FileManager call failed; `code`: not-found, exists, permission-denied, invalid-path, io."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# ---- framing ----

def encode(message: Message) -> str:
    """One message as its line (without the newline)."""
    if not isinstance(message, dict):
        raise FramingError("a message must be a JSON object")
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def decode(line: str) -> Message:
    """The message of one line; FramingError when it is not a JSON object."""
    try:
        value = json.loads(line)
    except ValueError:
        raise FramingError(f"a line from bgsim is not JSON: {line[:200]}") from None
    if not isinstance(value, dict):
        raise FramingError(f"a line from bgsim is not a JSON object: {line[:200]}")
    return value


def to_base64(data: Union[bytes, str]) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def from_base64(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else base64.b64decode(text)


class StreamTransport:
    """Lines over text streams (standard input and output by default), flushed per line."""

    def __init__(self, inp: Optional[IO[str]] = None, out: Optional[IO[str]] = None) -> None:
        self.inp = inp if inp is not None else sys.stdin
        self.out = out if out is not None else sys.stdout

    def read_line(self) -> Optional[str]:
        line = self.inp.readline()
        if line == "":
            return None
        return line[:-1] if line.endswith("\n") else line

    def write_line(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


class MemoryTransport:
    """Scripted lines in, written lines kept in `written`: a fake bgsim for tests."""

    def __init__(self, lines: Optional[List[str]] = None) -> None:
        self.lines = list(lines or [])
        self.written: List[str] = []

    def read_line(self) -> Optional[str]:
        return self.lines.pop(0) if self.lines else None

    def write_line(self, line: str) -> None:
        self.written.append(line)


# ---- delegates the user subclasses ----

class AppDelegate:
    """UIApplicationDelegate and the user's taps: override the events the app handles.

    Each method gets the context and the event (a dict with the protocol's fields)."""

    name = "python-app"
    features: List[str] = []
    extension_session: Optional[str] = None
    variants: List[Dict[str, Any]] = []

    def didFinishLaunching(self, ctx: "Context", event: Message) -> None: ...
    def handleEventsForBackgroundURLSession(self, ctx: "Context", event: Message) -> None: ...
    def applicationDidEnterBackground(self, ctx: "Context", event: Message) -> None: ...
    def applicationWillEnterForeground(self, ctx: "Context", event: Message) -> None: ...
    def userTappedDownload(self, ctx: "Context", event: Message) -> None: ...
    def userTappedPause(self, ctx: "Context", event: Message) -> None: ...
    def userTappedResume(self, ctx: "Context", event: Message) -> None: ...
    def userTappedSignOut(self, ctx: "Context", event: Message) -> None: ...
    def userTappedStopAfterDownloads(self, ctx: "Context", event: Message) -> None: ...
    def userTappedUpload(self, ctx: "Context", event: Message) -> None: ...
    def userTappedFetch(self, ctx: "Context", event: Message) -> None: ...
    def userTappedSuspendTask(self, ctx: "Context", event: Message) -> None: ...
    def userTappedResumeTask(self, ctx: "Context", event: Message) -> None: ...


class SessionDelegate:
    """URLSessionDownloadDelegate (and task / data delegate) events of one session."""

    def didWriteData(self, ctx: "Context", event: Message) -> None: ...
    def didSendBodyData(self, ctx: "Context", event: Message) -> None: ...
    def didReceiveData(self, ctx: "Context", event: Message) -> None: ...
    def didResumeAtOffset(self, ctx: "Context", event: Message) -> None: ...
    def didFinishDownloadingTo(self, ctx: "Context", event: Message) -> None: ...
    def didCompleteWithError(self, ctx: "Context", event: Message) -> None: ...

    def didReceiveChallenge(self, ctx: "Context", event: Message) -> None:
        ctx.answer_challenge(event["handler"], "performDefaultHandling")

    def didBecomeInvalidWithError(self, ctx: "Context", event: Message) -> None: ...
    def urlSessionDidFinishEvents(self, ctx: "Context", event: Message) -> None: ...


# ---- the context: every call of the protocol ----

class Context:
    """The connection to bgsim: the event loop and every call as a method."""

    def __init__(self, transport: Any = None) -> None:
        self.transport = transport if transport is not None else StreamTransport()
        self.welcome: Optional[Message] = None
        self.event: Optional[Message] = None
        self._next_block = 1
        self._blocks: Dict[int, Block] = {}
        self._delegates: Dict[str, SessionDelegate] = {}

    # wire
    def send(self, message: Message) -> None:
        self.transport.write_line(encode(message))

    def receive(self) -> Optional[Message]:
        line = self.transport.read_line()
        return None if line is None else decode(line)

    def request(self, message: Message) -> Any:
        """A call that returns: its value, or NSException / FileError raised."""
        self.send(message)
        answer = self.receive()
        if answer is None:
            raise ProtocolError(f"no answer to {message['type']}: end of input")
        kind = answer.get("type")
        if kind == "result":
            return answer.get("value")
        if kind == "exception":
            raise NSException(str(answer.get("name")), str(answer.get("reason")))
        if kind == "error":
            raise FileError(str(answer.get("error")), str(answer.get("message", "")))
        raise ProtocolError(f"the answer to {message['type']} is a {kind}")

    # handshake and loop
    def hello(self, app: str, features: Optional[List[str]] = None,
              extension_session: Optional[str] = None,
              variants: Optional[List[Dict[str, Any]]] = None) -> Message:
        message: Message = {"type": "hello", "protocol": PROTOCOL_VERSION, "app": app}
        if features is not None:
            message["features"] = list(features)
        if extension_session is not None:
            message["extensionSession"] = extension_session
        if variants is not None:
            message["variants"] = list(variants)
        self.send(message)
        welcome = self.receive()
        if welcome is None:
            raise ProtocolError("no welcome: end of input")
        if welcome.get("type") != "welcome":
            raise ProtocolError(f"expected welcome, got {welcome.get('type')}")
        if welcome.get("protocol") != PROTOCOL_VERSION:
            raise ProtocolError(
                f"bgsim speaks protocol {welcome.get('protocol')}, this client {PROTOCOL_VERSION}")
        self.welcome = welcome
        return welcome

    @property
    def session_settings(self) -> Dict[str, Any]:
        """The scenario's [session] table from the welcome (None values: keep the app's)."""
        return dict((self.welcome or {}).get("session") or {})

    def serve(self, app: AppDelegate) -> None:
        """Handles events until end of input. App code that raises sends `crash` and re-raises."""
        while True:
            event = self.receive()
            if event is None:
                return
            self.event = event
            try:
                self._route(app, event)
            except Exception as error:  # an uncaught exception crashes the app, as on iOS
                self.send({"type": "crash",
                           "message": f"{event.get('type')}: {type(error).__name__}: {error}"})
                raise
            self.send({"type": "return"})

    def _route(self, app: AppDelegate, event: Message) -> None:
        kind = event.get("type")
        if kind == "runBlock":
            block = self._blocks.pop(event.get("block"), None)  # type: ignore[arg-type]
            if block is not None:
                block(event)
            return
        if kind in DELEGATE_EVENTS:
            delegate = self._delegates.get(event.get("session", ""))
            if kind == "didBecomeInvalidWithError":
                self._delegates.pop(event.get("session", ""), None)
            method = getattr(delegate, str(kind), None) if delegate is not None else None
            if callable(method):
                method(self, event)
            return
        method = getattr(app, str(kind), None) if isinstance(kind, str) else None
        if callable(method):
            method(self, event)

    @property
    def now_us(self) -> int:
        return int(self.event["now_us"]) if self.event else 0

    @property
    def app_state(self) -> str:
        return str(self.event.get("state", "foreground")) if self.event else "foreground"

    @property
    def queue(self) -> str:
        return str(self.event.get("queue", "main")) if self.event else "main"

    def _block(self, fn: Block) -> int:
        number = self._next_block
        self._next_block += 1
        self._blocks[number] = fn
        return number

    # URLSession
    def create_background_session(self, configuration: Dict[str, Any],
                                  delegate: Optional[SessionDelegate] = None) -> int:
        """Returns the session number; the first delegate of an identifier is kept (ID-3)."""
        number = self.request({"type": "createBackgroundSession", "configuration": configuration})
        self._delegates.setdefault(configuration["identifier"], delegate or SessionDelegate())
        return int(number)

    def download_task(self, session: int, url: str) -> TaskKey:
        return self.request({"type": "downloadTask", "session": session, "url": url})

    def download_task_with_resume_data(self, session: int, resume_data: bytes) -> TaskKey:
        return self.request({"type": "downloadTaskWithResumeData", "session": session,
                             "resumeData": to_base64(resume_data)})

    def download_task_with_completion_handler(self, session: int, url: str) -> Any:
        return self.request({"type": "downloadTaskWithCompletionHandler", "session": session, "url": url})

    def upload_task_from_file(self, session: int, url: str, file: str, method: str = "PUT") -> TaskKey:
        return self.request({"type": "uploadTaskFromFile", "session": session, "url": url,
                             "method": method, "file": file})

    def upload_task_with_streamed_request(self, session: int, url: str, body: bytes,
                                          method: str = "PUT") -> TaskKey:
        return self.request({"type": "uploadTaskWithStreamedRequest", "session": session, "url": url,
                             "method": method, "body": to_base64(body)})

    def upload_task_from_data(self, session: int, url: str, body: bytes) -> Any:
        return self.request({"type": "uploadTaskFromData", "session": session, "url": url,
                             "body": to_base64(body)})

    def data_task(self, session: int, url: str) -> TaskKey:
        return self.request({"type": "dataTask", "session": session, "url": url})

    def set_task_delegate(self, task: TaskKey) -> Any:
        return self.request({"type": "setTaskDelegate", "task": task})

    def resume(self, task: TaskKey) -> None:
        self.send({"type": "resume", "task": task})

    def suspend(self, task: TaskKey) -> None:
        self.send({"type": "suspend", "task": task})

    def cancel(self, task: TaskKey) -> None:
        self.send({"type": "cancel", "task": task})

    def cancel_by_producing_resume_data(self, task: TaskKey,
                                        fn: Callable[[Optional[bytes], Message], Any]) -> int:
        """`fn(resume_data, event)` runs later, in its own turn."""
        block = self._block(lambda ev: fn(from_base64(ev.get("resumeData")), ev))
        self.send({"type": "cancelByProducingResumeData", "task": task, "block": block})
        return block

    def set_task_description(self, task: TaskKey, description: str) -> None:
        self.send({"type": "setTaskDescription", "task": task, "description": description})

    def set_earliest_begin_date(self, task: TaskKey, at_us: int) -> None:
        self.send({"type": "setEarliestBeginDate", "task": task, "at_us": int(at_us)})

    def set_count_of_bytes_client_expects_to_receive(self, task: TaskKey, count: int) -> None:
        self.send({"type": "setCountOfBytesClientExpectsToReceive", "task": task, "bytes": int(count)})

    def set_count_of_bytes_client_expects_to_send(self, task: TaskKey, count: int) -> None:
        self.send({"type": "setCountOfBytesClientExpectsToSend", "task": task, "bytes": int(count)})

    def task_info(self, task: TaskKey) -> Optional[Message]:
        return self.request({"type": "taskInfo", "task": task})

    def get_all_tasks(self, session: int, fn: Callable[[List[Message], Message], Any]) -> int:
        """`fn(tasks, event)` runs later, on the session's delegate queue."""
        block = self._block(lambda ev: fn(list(ev.get("tasks") or []), ev))
        self.send({"type": "getAllTasks", "session": session, "block": block})
        return block

    def invalidate(self, session: int, cancel: bool) -> None:
        """cancel=True: invalidateAndCancel; False: finishTasksAndInvalidate."""
        self.send({"type": "invalidate", "session": session, "cancel": bool(cancel)})

    def call_completion_handler(self, handler: int) -> None:
        self.send({"type": "callCompletionHandler", "handler": handler})

    def answer_challenge(self, handler: int, disposition: str, user: Optional[str] = None,
                         password: Optional[str] = None) -> None:
        message: Message = {"type": "answerChallenge", "handler": handler, "disposition": disposition}
        if user is not None:
            message["user"] = user
        if password is not None:
            message["password"] = password
        self.send(message)

    # GCD
    def dispatch(self, queue: str, fn: Block, delay_us: int = 0, label: Optional[str] = None) -> int:
        """Runs `fn(event)` on `queue` after `delay_us` of virtual time; returns the block number."""
        block = self._block(fn)
        message: Message = {"type": "dispatch", "queue": queue, "block": block,
                            "delay_us": max(0, int(delay_us))}
        if label is not None:
            message["label"] = label
        self.send(message)
        return block

    def busy(self, duration_us: int) -> None:
        self.send({"type": "busy", "duration_us": int(duration_us)})

    # FileManager
    def read_file(self, path: str) -> bytes:
        return from_base64(self.request({"type": "readFile", "path": path})) or b""

    def write_file(self, path: str, data: Union[bytes, str]) -> None:
        self.request({"type": "writeFile", "path": path, "data": to_base64(data)})

    def move_item(self, src: str, dst: str) -> None:
        self.request({"type": "moveItem", "from": src, "to": dst})

    def copy_item(self, src: str, dst: str) -> None:
        self.request({"type": "copyItem", "from": src, "to": dst})

    def replace_item(self, destination: str, with_path: str) -> None:
        self.request({"type": "replaceItem", "destination": destination, "with": with_path})

    def remove_item(self, path: str) -> None:
        self.request({"type": "removeItem", "path": path})

    def create_directory(self, path: str) -> None:
        self.request({"type": "createDirectory", "path": path})

    def file_exists(self, path: str) -> bool:
        return self.request({"type": "fileExists", "path": path}) is True

    def file_size(self, path: str) -> int:
        return int(self.request({"type": "fileSize", "path": path}))

    def list_directory(self, path: str) -> List[str]:
        return list(self.request({"type": "listDirectory", "path": path}))

    def container_root(self) -> str:
        return str(self.request({"type": "containerRoot"}))

    # observability
    def log(self, message: Any) -> None:
        self.send({"type": "log", "message": str(message)})

    def report_progress(self, key: str, fraction: float) -> None:
        self.send({"type": "reportProgress", "key": key, "fraction": fraction})

    def report_download_state(self, key: str, state: str) -> None:
        """state: running, queued, paused, done, failed or cancelled."""
        self.send({"type": "reportDownloadState", "key": key, "state": state})


def run_app(app: AppDelegate, transport: Any = None) -> int:
    """Says hello for `app`, serves its events until end of input; returns an exit status
    (0 at end of input, 1 after a crash, whose traceback goes to standard error)."""
    ctx = Context(transport)
    ctx.hello(app.name, features=app.features, extension_session=app.extension_session,
              variants=app.variants)
    try:
        ctx.serve(app)
    except Exception:
        import traceback
        traceback.print_exc(file=sys.stderr)
        return 1
    return 0
