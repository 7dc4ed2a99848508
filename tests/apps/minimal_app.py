"""A minimal app speaking docs/protocol.md with no client library: it downloads in the
foreground, moves each file inside didFinishDownloadingTo, and calls the completion handler
on main after the last event. Its first argument makes it misbehave in one of the ways the
protocol's failure section lists, when the user taps download:

  malformed     writes a line that is not JSON
  unknown-call  calls something the protocol does not have
  exit          exits with status 3
  silent        never answers

and `future` makes it speak protocol version 99 in its hello. Every launch logs how many
launches this process has seen, which only a process that survived would count past 1, and
writes a line to standard error.
"""

import json
import sys


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def receive():
    line = sys.stdin.readline()
    return json.loads(line) if line else None


def call(message):
    send(message)
    return receive()


mode = sys.argv[1] if len(sys.argv) > 1 else "ok"
send({"type": "hello", "protocol": 99 if mode == "future" else 1, "app": "minimal"})
receive()  # welcome
session = None
handler = None
launches = 0
while True:
    event = receive()
    if event is None:
        break
    kind = event["type"]
    if kind == "didFinishLaunching":
        launches += 1
        send({"type": "log", "message": f"launches seen by this process: {launches}"})
        sys.stderr.write("minimal app: launched\n")
        config = {"identifier": "com.example.minimal"}
        session = call({"type": "createBackgroundSession", "configuration": config})["value"]
    elif kind == "userTappedDownload":
        if mode == "malformed":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
        elif mode == "unknown-call":
            send({"type": "teleport", "to": "the moon"})
        elif mode == "exit":
            sys.exit(3)
        elif mode == "silent":
            receive()
        destination = event["destination"]
        send({"type": "reportDownloadState", "key": destination, "state": "running"})
        task = call({"type": "downloadTask", "session": session, "url": event["url"]})["value"]
        send({"type": "setTaskDescription", "task": task, "description": destination})
        send({"type": "resume", "task": task})
    elif kind == "didFinishDownloadingTo":
        destination = event["task"]["taskDescription"]
        call({"type": "moveItem", "from": event["location"], "to": destination})
        send({"type": "reportDownloadState", "key": destination, "state": "done"})
    elif kind == "applicationWillEnterForeground":
        send({"type": "log", "message": f"back in front, launches seen: {launches}"})
    elif kind == "handleEventsForBackgroundURLSession":
        handler = event["handler"]
    elif kind == "urlSessionDidFinishEvents" and handler is not None:
        send({"type": "dispatch", "queue": "main", "block": 1})
    elif kind == "runBlock" and handler is not None:
        send({"type": "callCompletionHandler", "handler": handler})
        handler = None
    send({"type": "return"})
