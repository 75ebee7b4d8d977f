"""The data home's `keys/` folder: its permissions, how a file in it is written, its lock.

Two kinds of key live there, the master key ring (`master.json`, archive.keys) and the seal
PKI (`ca/`, `seals/`, seals.keystore); this module is the one place that decides, for both,
that the folder is 0700, a private file is 0600 (others 0644), every file is replaced
atomically, and that one key operation at a time may change anything in it.

The lock is an exclusive `flock` on the `keys/` folder itself, so it adds no file. (Homes
from before it have a `keys/.keys.lock`, the key ring's former lock file: nothing opens it
any more, and backups skip it as a hidden file.) The lock is reentrant within a thread, so
an operation that changes both kinds of key (a passphrase change) may hold it around
calls that take it themselves; another thread or process waits, or without `wait` is
refused at once. Nested holders share the outermost holder's lock: it is released only when
the outermost block ends.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive import atomic
from archive.errors import BadInput, OperationFailed

FOLDER_MODE = 0o700
PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644

_held = threading.local()  # per thread: {(pid, folder): depth}


def make_folder(path: Path) -> None:
    """Create `path` (and missing parents) as a folder for keys, readable by the owner only;
    OperationFailed if it cannot be."""
    try:
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot create the keys folder: {exc.strerror}") from exc


def write(path: Path, data: bytes, private: bool = False) -> None:
    """Replace `path` with `data` atomically: PRIVATE_MODE if `private`, else PUBLIC_MODE.
    OperationFailed if it cannot be written (the old file is then untouched)."""
    try:
        atomic.write_bytes(path, data, mode=PRIVATE_MODE if private else PUBLIC_MODE)
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot write: {exc.strerror or exc}") from exc


@contextmanager
def exclusive(keys_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold the lock of `keys_dir` for one key operation (a rotation, a passphrase change, a
    seal's renewal, a backup's copy of the keys). Without `wait`, BadInput if another thread
    or process holds it; reentrant within the thread that holds it."""
    keys_dir = Path(keys_dir)
    make_folder(keys_dir)
    key = (os.getpid(), os.path.realpath(keys_dir))
    depth: dict[tuple[int, str], int] = _held.__dict__.setdefault("depth", {})
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    fd = os.open(keys_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BadInput("another key operation is running on this data home") from None
        depth[key] = 1
        try:
            yield
        finally:
            del depth[key]
    finally:
        os.close(fd)
