"""What a backup holds and how it describes itself: the manifest and the keys file.

Both are JSON. A backup is read by people who may not trust it (an off-site copy, a file
handed over), so everything read back is validated: an unexpected shape, or a path that
would lead outside the place it is restored to, makes the backup damaged, never a
traceback or a file written somewhere else.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from archive.errors import IntegrityError

FORMAT = "bureau-backup"
VERSION = 1
MARKER = "bureau-backup.json"  # at the top of a folder backup; the first member of a tar
MANIFEST = "manifest.json"
KEYS = "keys.json"
CATALOG = "catalog.sqlite"
CONFIG = "config.yaml"
SNAPSHOTS = "snapshots"
STORE = "store"
PARTIAL = ".partial-"
# copied from the home as they are (bar the master key): the PKI, added templates, and the
# home's own retention schedule
HOME_FOLDERS = ("keys", "templates", "retention_rules")
MASTER_FILE = "master.json"  # the home's keys/master.json goes into keys.json, not as a file

_SNAPSHOT_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
_STORE_PATH = re.compile(r"^store/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


class BackupDamaged(IntegrityError):
    """A backup's manifest, keys file or layout is not what this program writes."""


def new_snapshot_id(taken: Iterable[str] = ()) -> str:
    """Sortable by time: `20261127T103000Z-3fa9c1`. It sorts after every id in `taken` of the
    same second, so snapshots taken less than a second apart still sort in the order taken."""
    ids = [i for i in taken if is_snapshot_id(i)]
    while True:
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        same_second = [int(i[-6:], 16) for i in ids if i.startswith(f"{stamp}-")]
        low = max(same_second, default=-1) + 1
        if low <= 0xFFFFFF:
            return f"{stamp}-{low + secrets.randbelow(0x1000000 - low):06x}"
        time.sleep(0.01)  # this second's ids are used up: the next second's


def is_snapshot_id(name: str) -> bool:
    return bool(_SNAPSHOT_ID.match(name))


def store_path(sha256: str) -> str:
    """Where a stored file lives, in the home's store and in a backup alike."""
    return f"{STORE}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_store_path(path: str) -> bool:
    match = _STORE_PATH.match(path)
    return bool(match) and match[3].startswith(match[1] + match[2])


def check_path(path: str) -> str:
    """`path` if it is one a backup may hold; BackupDamaged otherwise (`..`, absolute, ...)."""
    parts = PurePosixPath(path).parts
    safe = (
        isinstance(path, str)
        and path == str(PurePosixPath(path))
        and not path.startswith("/")
        and "\\" not in path
        and "\0" not in path
        and not any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    )
    allowed = (
        path in (CATALOG, CONFIG)
        or is_store_path(path)
        or (len(parts) > 1 and parts[0] in HOME_FOLDERS and path != f"keys/{MASTER_FILE}")
    )
    if not (safe and allowed):
        raise BackupDamaged(f"the manifest names a file a backup cannot hold: {path!r}")
    return path


@dataclass(frozen=True)
class Entry:
    path: str
    sha256: str
    size: int
    mode: int = 0o644  # permission bits, restored as they were (private keys stay 0600)


@dataclass
class Manifest:
    """Every file of one snapshot with its SHA-256 and size, and what the catalog holds."""

    snapshot: str
    made_at: str
    schema: int
    items: int
    encrypted_items: int
    entries: list[Entry] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "snapshot": self.snapshot,
            "made_at": self.made_at,
            "catalog_schema": self.schema,
            "items": self.items,
            "encrypted_items": self.encrypted_items,
            "files": [
                {"path": e.path, "sha256": e.sha256, "size": e.size, "mode": e.mode}
                for e in self.entries
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Manifest:
        doc = _document(data, where)
        try:
            entries = [
                Entry(
                    check_path(f["path"]),
                    _sha(f["sha256"]),
                    _count(f["size"]),
                    _count(f.get("mode", 0o644)) & 0o777,
                )
                for f in doc["files"]
            ]
            manifest = cls(
                snapshot=str(doc["snapshot"]),
                made_at=str(doc["made_at"]),
                schema=_count(doc["catalog_schema"]),
                items=_count(doc["items"]),
                encrypted_items=_count(doc["encrypted_items"]),
                entries=entries,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupDamaged(f"{where}: the manifest is damaged ({exc})") from exc
        if len({e.path for e in entries}) != len(entries) or CATALOG not in {
            e.path for e in entries
        }:
            raise BackupDamaged(f"{where}: the manifest is damaged (no catalog, or a file twice)")
        return manifest


@dataclass
class KeyFile:
    """A snapshot's keys: the master key ring as `keys/master.json` holds it (wrapped by the
    passphrase; None for a home that never made one) and each encrypted item's data key
    wrapped by the master key. `shredded` holds the items disposed of since, whose keys and
    files were destroyed here, with what their tombstones record (list, when, by whom)."""

    master: dict[str, Any] | None
    items: dict[str, tuple[int, str]] = field(default_factory=dict)
    shredded: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "master": self.master,
            "items": {i: {"version": v, "wrapped": w} for i, (v, w) in sorted(self.items.items())},
            "shredded": dict(sorted(self.shredded.items())),
        }
        return json.dumps(data, indent=1).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> KeyFile:
        doc = _document(data, where)
        try:
            master = doc["master"]
            if master is not None and not isinstance(master, dict):
                raise TypeError("master")
            items = {
                str(i): (_count(k["version"]), str(k["wrapped"])) for i, k in doc["items"].items()
            }
            shredded = {
                str(i): {str(k): (None if v is None else str(v)) for k, v in info.items()}
                for i, info in doc["shredded"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupDamaged(f"{where}: the keys file is damaged ({exc})") from exc
        return cls(master=master, items=items, shredded=shredded)

    def shred(self, disposed: Mapping[str, Mapping[str, str | None]]) -> int:
        """Forget the keys of the `disposed` items and record them; how many keys were here."""
        found = set(disposed) & set(self.items)
        for item_id in found:
            del self.items[item_id]
        for item_id, info in disposed.items():
            self.shredded.setdefault(item_id, dict(info))
        return len(found)


def marker_bytes() -> bytes:
    return json.dumps({"format": FORMAT, "version": VERSION}).encode("utf-8")


def check_marker(data: bytes, where: str) -> None:
    doc = _document(data, where)
    if doc.get("version") != VERSION:
        raise BackupDamaged(f"{where}: a backup of format version {doc.get('version')}, not 1")


def _document(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupDamaged(f"{where}: not valid JSON: the backup is damaged") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BackupDamaged(f"{where}: not a bureau backup file")
    return doc


def _sha(value: Any) -> str:
    if not isinstance(value, str) or not _SHA.match(value):
        raise ValueError(f"bad SHA-256 {value!r}")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"bad number {value!r}")
    return value
