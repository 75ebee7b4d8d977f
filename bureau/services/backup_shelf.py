"""Backups made from the web: into one folder fixed for the home, never a path a browser
names.

The command line backs up into any DEST its user may write; a browser must not choose a
path on the server. So the web keeps its backups on a *shelf*: the folder named by the
`backup_folder` setting of the home's config.yaml (an absolute path, or one relative to
the folder that holds the home), by default the home's sibling `<home>-backups`. A backup
on the shelf is named by a plain name (letters, digits, `.`, `_`, `-`; no folders): a
folder backup that gathers snapshots, or a `.tar` file. The last check of each backup
(`backup verify`) is kept beside them in `.checks.json`, so the list does not hash every
file of every backup whenever it is shown.

There is no restore from here: a restore makes a new data home, which is a matter for an
administrator at the server (`bureau --home NEWHOME restore SRC`).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import atomic
from archive.backup import BackupCheck, BackupReport
from archive.backup.manifest import MARKER
from archive.errors import BadInput, NotFound
from archive.service import Archive
from bureau.services import backups

SETTING = "backup_folder"
CHECKS = ".checks.json"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_checks_lock = threading.Lock()


@dataclass(frozen=True)
class Shelved:
    """One backup on the shelf, with its last check (None if never checked from here)."""

    name: str
    tar: bool
    snapshots: int
    modified: str
    last_check: dict[str, Any] | None


def folder(archive: Archive) -> Path:
    """The shelf of this home (it need not exist yet)."""
    root = archive.home.root.resolve()
    setting = archive.config.extra.get(SETTING)
    if setting is None:
        return root.parent / f"{root.name}-backups"
    if not isinstance(setting, str) or not setting.strip():
        raise BadInput(f"config.yaml: {SETTING} must be a folder path")
    return (root.parent / Path(setting.strip()).expanduser()).resolve()


def listing(archive: Archive) -> list[Shelved]:
    """The backups on the shelf, newest first."""
    archive.require("backup", "see the backups")
    shelf = folder(archive)
    if not shelf.is_dir():
        return []
    checks = _read_checks(shelf)
    found = []
    for path in shelf.iterdir():
        if not NAME.fullmatch(path.name) or not _inside(shelf, path):
            continue
        if path.is_dir() and (path / MARKER).is_file():
            snapshots = path / "snapshots"
            count = (
                sum(1 for p in snapshots.iterdir() if not p.name.startswith("."))
                if (snapshots.is_dir())
                else 0
            )
            tar = False
        elif path.is_file() and path.name.endswith(".tar"):
            count, tar = 1, True
        else:
            continue
        modified = datetime.fromtimestamp(path.stat().st_mtime, archive.config.tz)
        found.append(
            Shelved(
                path.name, tar, count, modified.isoformat(timespec="seconds"), checks.get(path.name)
            )
        )
    found.sort(key=lambda s: s.modified, reverse=True)
    return found


def make(archive: Archive, name: str, tar: bool) -> BackupReport:
    """Back up the home onto the shelf as `name` (a new snapshot in a folder backup of
    that name; a tar backup never replaces one)."""
    archive.require("backup", "back up the archive")
    name = _valid(name)
    if tar and not name.endswith(".tar"):
        name += ".tar"
    if not tar and name.endswith(".tar"):
        raise BadInput(f"{name}: a folder backup's name does not end in .tar")
    shelf = folder(archive)
    shelf.mkdir(parents=True, exist_ok=True)
    dest = shelf / name
    if not _inside(shelf, dest):
        raise BadInput(f"{name}: not a backup on the shelf")
    return backups.backup(archive, dest, tar)


def check(archive: Archive, name: str) -> BackupCheck:
    """Verify one backup of the shelf against its manifests; the result is kept as its
    last check."""
    archive.require("backup", "check the backups")
    shelf = folder(archive)
    name = _valid(name)
    path = shelf / name
    if not _inside(shelf, path) or not (path.is_dir() or path.is_file()):
        raise NotFound(f"no backup {name!r} on the shelf")
    result = backups.verify(path)
    summary = {
        "ok": result.ok,
        "checked_at": datetime.now(archive.config.tz).isoformat(timespec="seconds"),
        "by": archive.actor,
        "snapshots": len(result.snapshots),
        "problems": result.to_json()["problems"][:20],
    }
    with _checks_lock:
        checks = _read_checks(shelf)
        checks[name] = summary
        atomic.write_bytes(shelf / CHECKS, json.dumps(checks, indent=1).encode())
    return result


def _valid(name: str) -> str:
    name = name.strip()
    if not NAME.fullmatch(name):
        raise BadInput(
            "a backup's name is 1 to 64 letters, digits, '.', '_' or '-', not starting "
            "with '.', and names no folder"
        )
    return name


def _inside(shelf: Path, path: Path) -> bool:
    """Whether `path` is directly on the shelf once links are followed."""
    return path.resolve().parent == shelf.resolve()


def _read_checks(shelf: Path) -> dict[str, Any]:
    try:
        data = json.loads((shelf / CHECKS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
