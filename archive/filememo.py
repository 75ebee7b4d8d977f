"""Parsed files remembered while they are unchanged on disk.

A long-running process (the web server opens the home for every request) would otherwise
parse the configuration and the retention schedule's YAML on every request, which costs
more than the request's own work. A result is reused only while every file it was read
from has the same identity, size and modification time; any write (the project writes
atomically, so a new inode) makes the next call read it afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
Signature = tuple[tuple[str, int, int, int], ...]

_lock = threading.Lock()
_memo: dict[tuple[str, str], tuple[Signature, object]] = {}


def signature(paths: Iterable[Path]) -> Signature | None:
    """What identifies the files' current content (None if one cannot be read)."""
    found = []
    try:
        for path in paths:
            info = path.stat()
            found.append((str(path), info.st_ino, info.st_size, info.st_mtime_ns))
    except OSError:
        return None
    return tuple(found)


def remembered(kind: str, key: Path, paths: Iterable[Path], parse: Callable[[], T]) -> T:
    """`parse()`'s result for `key`, reused while `paths` are unchanged. A failure is never
    remembered: the next call parses (and reports) again."""
    now = signature(paths)
    if now is None:
        return parse()
    with _lock:
        held = _memo.get((kind, str(key)))
    if held is not None and held[0] == now:
        return held[1]  # type: ignore[return-value]
    value = parse()
    with _lock:
        _memo[(kind, str(key))] = (now, value)
    return value
