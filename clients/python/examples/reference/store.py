"""How the reference app saves its store: a port of src/apps/reference/store.rs, which says
why. Each transfer is a file of its own, `store/<key>.json`, written when it changes and
removed when it is forgotten; the key counter is `store/next-key`. A failure is logged and
tried again at the next save.

The Rust app notes which records it changed; this port compares each record with what it
last wrote or read instead (the same writes, in the same order: the history is the same).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from bgsim_app import Context, FileError

from .model import Record, new_download, new_store, new_upload

STORE_DIR = "Library/Application Support/store"
# The file of the key counter, in the store's folder: not a record (no `.json`).
NEXT_KEY_FILE = "next-key"
# The store's maps, in the order a key is looked up in, and the kind each record names.
KINDS = (("downloads", "download"), ("uploads", "upload"), ("fetches", "fetch"))


@dataclass
class Saved:
    """What this process last wrote or read, as it believes the files hold it."""
    records: Dict[str, bytes] = field(default_factory=dict)
    next_key: int = 0
    # The store's folder exists: this process listed it or made it.
    dir_ready: bool = False


def record_path(directory: str, key: str) -> str:
    return f"{directory}/{key}.json"


def record_bytes(store: Record, key: str) -> Optional[bytes]:
    """The file of `key`'s record as it would be written now (serde_json's pretty printer:
    `{"download": {...}}`, fields in the Rust struct's order)."""
    for name, kind in KINDS:
        record = store[name].get(key)
        if record is not None:
            return json.dumps({kind: record}, indent=2, ensure_ascii=False).encode("utf-8")
    return None


def decode_record(data: bytes) -> Tuple[str, Record]:
    """The map a record file belongs in, and the record; a field it lacks takes its
    default."""
    ((kind, record),) = json.loads(data.decode("utf-8")).items()
    defaults = {"download": new_download("", ""), "upload": new_upload("", ""), "fetch": {}}
    name = {k: n for n, k in KINDS}[kind]
    return name, {**defaults[kind], **record}


def key_number(key: str) -> int:
    """The number in a key (`d12` -> 12); 0 without one."""
    digits = re.sub(r"^[A-Za-z]*", "", key)
    return int(digits) if digits.isdigit() else 0


def load(ctx: Context, directory: str) -> Tuple[Record, Saved]:
    """Every record in `directory`. One that cannot be read is logged and left out; the
    others are the app's all the same."""
    store, saved = new_store(), Saved()
    try:
        names = ctx.list_directory(directory)
    except FileError as e:
        if e.code != "not-found":
            ctx.log(f"the store is unreadable ({e.message}); starting empty")
        return store, saved
    saved.dir_ready = True
    for name in names:
        path = f"{directory}/{name}"
        if name == NEXT_KEY_FILE:
            try:
                store["next_key"] = max(store["next_key"], int(ctx.read_file(path).decode()))
            except (FileError, ValueError, UnicodeDecodeError):
                ctx.log("the key counter is unreadable")
            continue
        if not name.endswith(".json"):
            continue
        key = name[: -len(".json")]
        try:
            data = ctx.read_file(path)
        except FileError:
            data = b""
        try:
            kind, record = decode_record(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            ctx.log(f"{key}: its record is unreadable; left out")
            continue
        # Were the counter lost, it must still not hand out a key a record has.
        store["next_key"] = max(store["next_key"], key_number(key))
        store[kind][key] = record
        saved.records[key] = data
    saved.next_key = store["next_key"]
    return store, saved


def make_dir(ctx: Context, directory: str, saved: Saved) -> None:
    """Makes the store's folder the first time this process writes into it."""
    if not saved.dir_ready:
        ctx.create_directory(directory)
        saved.dir_ready = True


def save(ctx: Context, directory: str, store: Record, saved: Saved) -> None:
    """Writes what changed: the counter first (a key handed out is never handed out again),
    then each changed record in key order, or its file removed if the app forgot it."""
    if store["next_key"] != saved.next_key:
        try:
            make_dir(ctx, directory, saved)
            ctx.write_file(f"{directory}/{NEXT_KEY_FILE}", str(store["next_key"]))
            saved.next_key = store["next_key"]
        except FileError as e:
            ctx.log(f"could not save the key counter: {e.message}")
    keys = set(saved.records).union(*(store[name] for name, _ in KINDS))
    for key in sorted(keys):
        data = record_bytes(store, key)
        if data is not None and saved.records.get(key) == data:
            continue
        try:
            if data is None:
                ctx.remove_item(record_path(directory, key))
                del saved.records[key]
            else:
                make_dir(ctx, directory, saved)
                ctx.write_file(record_path(directory, key), data)
                saved.records[key] = data
        except FileError as e:
            ctx.log(f"could not save {key}: {e.message}")
