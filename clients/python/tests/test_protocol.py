"""Tests of bgsim_app against a scripted bgsim (MemoryTransport), and one end-to-end run."""

import json
import os
import subprocess
import sys
import unittest
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(CLIENT))
sys.path.insert(0, CLIENT)

from bgsim_app import (  # noqa: E402
    AppDelegate, Context, FileError, FramingError, MemoryTransport, NSException, ProtocolError,
    SessionDelegate, StreamTransport, decode, encode, run_app,
)

WELCOME = json.dumps({"type": "welcome", "protocol": 1, "session": {"resourceTimeout_us": 30000000}})


def event(kind: str, **fields: Any) -> str:
    return json.dumps(dict({"type": kind, "now_us": 5, "queue": "main", "state": "foreground"}, **fields))


def written(transport: MemoryTransport) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in transport.written]


class Framing(unittest.TestCase):
    def test_encode_is_one_line(self) -> None:
        line = encode({"type": "log", "message": "a\nb"})
        self.assertNotIn("\n", line)
        self.assertEqual(json.loads(line), {"type": "log", "message": "a\nb"})

    def test_decode_refuses_non_objects(self) -> None:
        self.assertEqual(decode('{"type": "result", "value": 3}'), {"type": "result", "value": 3})
        for bad in ("not json", "[1, 2]", "3", "null"):
            with self.assertRaises(FramingError):
                decode(bad)

    def test_stream_transport_writes_lines_and_reads_last_line_without_newline(self) -> None:
        import io
        out = io.StringIO()
        t = StreamTransport(io.StringIO('{"a": 1}\n{"b": 2}'), out)
        self.assertEqual(t.read_line(), '{"a": 1}')
        self.assertEqual(t.read_line(), '{"b": 2}')
        self.assertIsNone(t.read_line())
        t.write_line('{"type":"return"}')
        self.assertEqual(out.getvalue(), '{"type":"return"}\n')


class Handshake(unittest.TestCase):
    def test_hello_fields_and_welcome(self) -> None:
        t = MemoryTransport([WELCOME])
        ctx = Context(t)
        ctx.hello("x", features=["pause-resume"], extension_session="com.x.share",
                  variants=[{"name": "v", "args": ["--bug", "v"], "caughtBy": ["c"]}])
        self.assertEqual(written(t), [{"type": "hello", "protocol": 1, "app": "x", "features": ["pause-resume"],
                                       "extensionSession": "com.x.share",
                                       "variants": [{"name": "v", "args": ["--bug", "v"], "caughtBy": ["c"]}]}])
        self.assertEqual(ctx.session_settings, {"resourceTimeout_us": 30000000})

    def test_other_protocol_version_is_refused(self) -> None:
        ctx = Context(MemoryTransport([json.dumps({"type": "welcome", "protocol": 2})]))
        with self.assertRaises(ProtocolError):
            ctx.hello("x")

    def test_malformed_line_from_bgsim(self) -> None:
        ctx = Context(MemoryTransport([WELCOME, "this is not json"]))
        ctx.hello("x")
        with self.assertRaises(FramingError):
            ctx.serve(AppDelegate())


class Calls(unittest.TestCase):
    def test_call_shapes(self) -> None:
        t = MemoryTransport()
        ctx = Context(t)
        key = {"session": "s", "taskId": 1}
        ctx.resume(key)
        ctx.invalidate(3, cancel=True)
        ctx.dispatch("main", lambda ev: None, delay_us=1500, label="later")
        ctx.answer_challenge(7, "useCredential", user="u", password="p")
        ctx.report_download_state("dl-1", "running")
        ctx.set_earliest_begin_date(key, 10)
        self.assertEqual(written(t), [
            {"type": "resume", "task": key},
            {"type": "invalidate", "session": 3, "cancel": True},
            {"type": "dispatch", "queue": "main", "block": 1, "delay_us": 1500, "label": "later"},
            {"type": "answerChallenge", "handler": 7, "disposition": "useCredential", "user": "u", "password": "p"},
            {"type": "reportDownloadState", "key": "dl-1", "state": "running"},
            {"type": "setEarliestBeginDate", "task": key, "at_us": 10},
        ])

    def test_returning_calls(self) -> None:
        t = MemoryTransport([
            json.dumps({"type": "result", "value": {"session": "s", "taskId": 4}}),
            json.dumps({"type": "result", "value": "aGk="}),
            json.dumps({"type": "error", "error": "not-found", "message": "no such file"}),
            json.dumps({"type": "exception", "name": "NSGenericException", "reason": "invalidated"}),
        ])
        ctx = Context(t)
        self.assertEqual(ctx.download_task(1, "http://x/a"), {"session": "s", "taskId": 4})
        self.assertEqual(ctx.read_file("Documents/a"), b"hi")
        with self.assertRaises(FileError) as caught:
            ctx.move_item("a", "b")
        self.assertEqual(caught.exception.code, "not-found")
        with self.assertRaises(NSException) as raised:
            ctx.data_task(1, "http://x/b")
        self.assertEqual(raised.exception.name, "NSGenericException")
        self.assertEqual([m["type"] for m in written(t)], ["downloadTask", "readFile", "moveItem", "dataTask"])
        self.assertEqual(written(t)[2], {"type": "moveItem", "from": "a", "to": "b"})


class Dispatching(unittest.TestCase):
    def test_events_go_to_app_session_delegate_and_blocks(self) -> None:
        seen: List[str] = []

        class Delegate(SessionDelegate):
            def didFinishDownloadingTo(self, ctx: Context, ev: Dict[str, Any]) -> None:
                seen.append("finished " + ev["location"])

        class App(AppDelegate):
            name = "t"

            def didFinishLaunching(self, ctx: Context, ev: Dict[str, Any]) -> None:
                ctx.create_background_session({"identifier": "s"}, Delegate())
                ctx.dispatch("main", lambda e: seen.append(f"block at {e['now_us']}"))

        t = MemoryTransport([
            WELCOME,
            event("didFinishLaunching", inBackground=False, urlSessionIdentifier=None),
            json.dumps({"type": "result", "value": 1}),
            event("didFinishDownloadingTo", session="s", task={}, location="tmp/x"),
            event("runBlock", block=1),
            event("urlSessionDidFinishEvents", session="other"),
        ])
        self.assertEqual(run_app(App(), t), 0)
        self.assertEqual(seen, ["finished tmp/x", "block at 5"])
        self.assertEqual([m["type"] for m in written(t)],
                         ["hello", "createBackgroundSession", "dispatch", "return", "return", "return", "return"])

    def test_exception_in_app_code_is_a_crash(self) -> None:
        class App(AppDelegate):
            def userTappedDownload(self, ctx: Context, ev: Dict[str, Any]) -> None:
                raise KeyError("boom")

        t = MemoryTransport([WELCOME, event("userTappedDownload", url="u", destination="d")])
        import io
        import contextlib
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(run_app(App(), t), 1)
        last = written(t)[-1]
        self.assertEqual(last["type"], "crash")
        self.assertIn("KeyError", last["message"])


class EndToEnd(unittest.TestCase):
    def test_example_passes_a_scenario(self) -> None:
        bgsim = os.environ.get("BGSIM_BIN")
        if not bgsim:
            self.skipTest("BGSIM_BIN is not set: set it to a bgsim binary to run the end-to-end test")
        app = os.path.join(CLIENT, "examples", "downloader_app.py")
        scenario = os.path.join(REPO, "scenarios", "t1-system-kill-batched-relaunch.toml")
        run = subprocess.run([bgsim, "run", "--app-command", f"{sys.executable} {app}", scenario],
                             cwd=REPO, capture_output=True, text=True, timeout=300)
        self.assertEqual(run.returncode, 0, run.stdout[-3000:] + run.stderr[-3000:])
        self.assertIn("1 passed, 0 failed", run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
