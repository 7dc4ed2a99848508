"""Tests of the reference app's port (examples/reference) against a scripted bgsim: its
helpers, and its first turns, call for call. The whole app is judged by bgsim itself in
tests/integration/client_python_reference.rs (every scenario, histories, mutants)."""

import json
import os
import sys
import unittest
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
sys.path[:0] = [CLIENT, os.path.join(CLIENT, "examples")]

from bgsim_app import MemoryTransport, run_app  # noqa: E402
from reference import bugs  # noqa: E402
from reference.app import ReferenceApp  # noqa: E402
from reference import store  # noqa: E402
from reference.model import (  # noqa: E402
    describe_error, keys_where, new_download, new_store, one_line, retry_after,
)

WELCOME = json.dumps({"type": "welcome", "protocol": 1, "session": {"credentials": None}})


def event(kind: str, **fields: Any) -> str:
    return json.dumps(dict({"type": kind, "now_us": 0, "queue": "main", "state": "foreground"},
                           **fields))


def result(value: Any) -> str:
    return json.dumps({"type": "result", "value": value})


def calls(transport: MemoryTransport) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in transport.written]


def response(**fields: Any) -> Dict[str, Any]:
    return {"response": dict({"statusCode": 503}, **fields)}


class Helpers(unittest.TestCase):
    def test_retry_after_takes_seconds_or_a_date_from_the_servers_clock(self) -> None:
        self.assertEqual(retry_after(response(retryAfter=" 120 ")), 120)
        date = "Wed, 21 Oct 2015 07:28:00 GMT"
        later = "Wed, 21 Oct 2015 07:30:30 GMT"
        self.assertEqual(retry_after(response(retryAfter=later, date=date)), 150)
        self.assertEqual(retry_after(response(retryAfter=date, date=later)), 0)
        for bad in ("-5", "soon", "1_0"):
            self.assertEqual(retry_after(response(retryAfter=bad)), 60, bad)
        self.assertEqual(retry_after(response(retryAfter=later)), 60)  # no Date to count from
        self.assertEqual(retry_after({"response": None}), 60)

    def test_errors_read_as_bgsim_writes_them(self) -> None:
        self.assertEqual(describe_error({"code": -999, "cancelReason": 0, "resumeData": b"x"}),
                         "-999 cancelled reason=0 +resume-data")
        self.assertEqual(describe_error({"code": -1, "cancelReason": None}), "-1 error")

    def test_a_reply_is_one_short_line(self) -> None:
        self.assertEqual(one_line(b"  a\n\tb  c "), "a b c")
        self.assertEqual(one_line(b"x" * 121), "x" * 120 + "...")

    def test_maps_are_walked_in_key_order(self) -> None:
        records = {"d9": {"n": 1}, "d10": {"n": 2}, "d1": {"n": 3}}
        self.assertEqual(keys_where(records, lambda _, r: r["n"] > 1), ["d1", "d10"])

    def test_a_save_writes_only_what_changed_in_key_order(self) -> None:
        ctx = FileCalls()
        kept, saved, folder = new_store(), store.Saved(), "Library/Application Support/store"
        kept["next_key"] = 10
        kept["downloads"] = {"d2": new_download("u", "b"), "d10": new_download("u", "a")}
        kept["fetches"] = {"f3": {"url": "u", "destination": "c", "task_id": 4}}
        store.save(ctx, folder, kept, saved)
        self.assertEqual(ctx.calls, [
            ("create_directory", folder), ("write_file", f"{folder}/next-key"),
            ("write_file", f"{folder}/d10.json"), ("write_file", f"{folder}/d2.json"),
            ("write_file", f"{folder}/f3.json")])
        self.assertEqual(json.loads(ctx.files[f"{folder}/d2.json"]),
                         {"download": new_download("u", "b")})
        ctx.calls.clear()
        store.save(ctx, folder, kept, saved)
        self.assertEqual(ctx.calls, [])
        kept["downloads"]["d2"]["status"] = "done"
        del kept["fetches"]["f3"]
        store.save(ctx, folder, kept, saved)
        self.assertEqual(ctx.calls, [("write_file", f"{folder}/d2.json"),
                                     ("remove_item", f"{folder}/f3.json")])

    def test_every_bug_is_listed_once_with_its_checks(self) -> None:
        app = ReferenceApp(None)
        names = [v["name"] for v in app.variants]
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(len(names), 39)
        self.assertTrue(all(v["caughtBy"] for v in app.variants))
        with self.assertRaises(ValueError):
            bugs.bug_named("no-such-bug")


class FileCalls:
    """The file calls of a Context, recorded; every one succeeds."""

    def __init__(self) -> None:
        self.calls: List[Any] = []
        self.files: Dict[str, bytes] = {}

    def create_directory(self, path: str) -> None:
        self.calls.append(("create_directory", path))

    def write_file(self, path: str, data: Any) -> None:
        self.calls.append(("write_file", path))
        self.files[path] = data.encode() if isinstance(data, str) else data

    def remove_item(self, path: str) -> None:
        self.calls.append(("remove_item", path))


class FirstTurns(unittest.TestCase):
    def run_app_on(self, lines: List[str], bug: Any = None) -> List[Dict[str, Any]]:
        transport = MemoryTransport([WELCOME] + lines)
        self.assertEqual(run_app(ReferenceApp(bug), transport), 0)
        return calls(transport)

    def test_a_launch_loads_the_store_makes_the_session_and_reconciles(self) -> None:
        sent = self.run_app_on([
            event("didFinishLaunching", inBackground=False, urlSessionIdentifier=None),
            # listDirectory(store): a first launch, no store yet
            json.dumps({"type": "error", "error": "not-found", "message": "no such file"}),
            result(0),      # createBackgroundSession
        ])
        kinds = [m["type"] for m in sent]
        self.assertEqual(kinds, ["hello", "listDirectory", "createBackgroundSession",
                                 "getAllTasks", "return"])
        self.assertEqual(sent[0]["app"], "reference-py")
        self.assertEqual(sent[2]["configuration"], {"identifier": "com.bgsim.reference.downloads"})

    def test_the_handler_is_called_on_main_after_the_events(self) -> None:
        sent = self.run_app_on([
            event("handleEventsForBackgroundURLSession",
                  identifier="com.bgsim.reference.downloads", handler=7),
            event("urlSessionDidFinishEvents", queue="delegate:x",
                  session="com.bgsim.reference.downloads"),
        ])
        # No session was made in this (scripted) process, so the delegate event goes
        # nowhere: the handler stays stored, never called from the delegate queue.
        self.assertNotIn("callCompletionHandler", [m["type"] for m in sent])

    def test_with_ch_04_the_handler_is_called_at_once(self) -> None:
        sent = self.run_app_on([
            event("handleEventsForBackgroundURLSession",
                  identifier="com.bgsim.reference.downloads", handler=7),
        ], bug=bugs.HANDLER_CALLED_EARLY)
        self.assertIn({"type": "callCompletionHandler", "handler": 7}, sent)


if __name__ == "__main__":
    unittest.main()
