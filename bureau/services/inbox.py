"""The inbox as an archivist sees it: the files waiting to be filed, those the watcher
rejected with its reasons, and those it set aside as copies of filed items; and one run
of the watcher, as `bureau watch --once` does it.

Reading the folders changes nothing: the watcher alone moves files (indexer/inbox.py
writes each rejection beside `NAME.reason.txt`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path

from archive.screening import printable
from archive.service import Archive
from bureau.services import finding
from indexer.inbox import DUPLICATES, REASON, REJECTED, SIDECAR, is_candidate
from indexer.watch import Tally

MAX_REASON = 4000  # characters of a reason file shown (the watcher writes one line)
MAX_LISTED = 1000  # files listed per folder: a folder fuller than this says so
NAMED_ITEM = re.compile(r"\(id ([0-9A-HJKMNP-TV-Z]{26})\b")  # in a duplicate's note
UNSEEN_DUPLICATE = "a copy of an item already in the archive"


@dataclass(frozen=True)
class InboxFile:
    name: str
    size: int
    modified: datetime
    reason: str = ""  # why it was rejected, or which item it duplicates
    sidecar: bool = False  # a NAME.meta.yaml came with it


@dataclass(frozen=True)
class Folder:
    files: list[InboxFile]
    more: int  # files beyond MAX_LISTED, not listed


@dataclass(frozen=True)
class InboxContents:
    waiting: Folder
    rejected: Folder
    duplicates: Folder


def contents(archive: Archive) -> InboxContents:
    """What is in the inbox now, for a user who may run the watcher."""
    archive.require("watch", "see the inbox")
    folder = archive.home.folder("inbox")
    tz = archive.config.tz
    return InboxContents(
        waiting=_listing(folder, tz, with_reasons=False),
        rejected=_listing(folder / REJECTED, tz, with_reasons=True),
        duplicates=_unseen_left_out(archive, _listing(folder / DUPLICATES, tz, with_reasons=True)),
    )


def _unseen_left_out(archive: Archive, folder: Folder) -> Folder:
    """The duplicates' notes, less what they say of items the user may not see.

    The watcher's note names the item a dropped file duplicates (its code, id and title),
    as its own user could see it; a user of a lower clearance is told only that it is a
    copy of a filed item, which the watcher did not file.
    """
    named = {f.name: NAMED_ITEM.search(f.reason) for f in folder.files}
    ids = [m.group(1) for m in named.values() if m]
    visible = set(archive.visible_ids(ids)) if ids else set()
    files = [
        f
        if (m := named[f.name]) is None or m.group(1) in visible
        else replace(f, reason=UNSEEN_DUPLICATE)
        for f in folder.files
    ]
    return Folder(files, folder.more)


def process_once(archive: Archive) -> Tally:
    """File what has settled in the inbox and bring the index up to date, then return
    (`bureau watch --once`)."""
    return finding.watch(archive, archive.config.watch, True, threading.Event(), _quiet)


def _quiet(line: str) -> None:
    """The watcher's lines go to its log (logs/watch.log) only."""


def _listing(folder: Path, tz: tzinfo, with_reasons: bool) -> Folder:
    try:
        entries = sorted(p for p in folder.iterdir() if _is_listed(p, with_reasons))
    except (FileNotFoundError, NotADirectoryError):
        return Folder([], 0)
    files = []
    for path in entries[:MAX_LISTED]:
        try:
            stat = path.lstat()
        except FileNotFoundError:  # the watcher took it as we looked
            continue
        files.append(
            InboxFile(
                name=printable(path.name),
                size=stat.st_size,
                modified=datetime.fromtimestamp(stat.st_mtime, tz),
                reason=_reason(path) if with_reasons else "",
                sidecar=path.with_name(path.name + SIDECAR).is_file(),
            )
        )
    return Folder(files, max(0, len(entries) - MAX_LISTED))


def _is_listed(path: Path, set_aside: bool) -> bool:
    """A document file: in the inbox, one the watcher would take; in rejected/ and
    duplicates/, anything but the reason files and sidecars beside the documents."""
    if not set_aside:
        return is_candidate(path)
    name = path.name
    return not (name.endswith(REASON) or name.endswith(SIDECAR)) and (
        path.is_file() or path.is_symlink()
    )


def _reason(path: Path) -> str:
    try:
        with path.with_name(path.name + REASON).open(encoding="utf-8", errors="replace") as f:
            text = f.read(MAX_REASON)
    except OSError:
        return ""
    return printable(" ".join(text.split()))
