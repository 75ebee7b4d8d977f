"""Where the index lives, and how it is replaced whole.

    index/CURRENT          names the live generation, e.g. "g000003"
    index/g000003/         a Whoosh index, plus state.json: its schema version and the
                           audit position it has indexed up to
    index/writer.lock      held by whoever writes (one writer at a time)
    index/watch.lock       held by a running watcher (one watcher at a time)

A rebuild writes a new generation beside the live one and switches CURRENT atomically, so
searches never see a half-built index and a killed rebuild leaves the old one in use.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import struct
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import whoosh.index
from whoosh.filedb.filestore import FileStorage

from archive import atomic
from archive.errors import IndexBusy, IndexUnusable
from indexer.schema import SCHEMA_VERSION, make_schema

REBUILD = "run `bureau index rebuild`"
# What a damaged index raises from Whoosh's readers (truncated, edited or missing files).
DAMAGE = (
    whoosh.index.IndexError,
    OSError,
    EOFError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
)
# Opening also decodes the table of contents, where damage shows as any malformed value.
OPEN_DAMAGE = (*DAMAGE, ValueError, KeyError, IndexError, TypeError)


@dataclass(frozen=True)
class State:
    schema: int
    position: int  # the audit sequence number indexed up to


class IndexDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    # -- reading ---------------------------------------------------------------------------

    def current(self) -> Path | None:
        """The live generation's folder, or None if no index has been built yet."""
        try:
            name = (self.root / "CURRENT").read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexUnusable(
                f"the search index is damaged (CURRENT unreadable): {REBUILD}"
            ) from exc
        if not name.startswith("g") or not name[1:].isdigit() or not (self.root / name).is_dir():
            raise IndexUnusable(f"the search index is damaged (no generation {name!r}): {REBUILD}")
        return self.root / name

    def state(self, generation: Path) -> State:
        try:
            data = json.loads((generation / "state.json").read_text(encoding="utf-8"))
            state = State(schema=int(data["schema"]), position=int(data["position"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexUnusable(
                f"the search index is damaged (state unreadable): {REBUILD}"
            ) from exc
        if state.schema != SCHEMA_VERSION:
            age = "an older" if state.schema < SCHEMA_VERSION else "a newer"
            raise IndexUnusable(
                f"the search index was built by {age} version of the program "
                f"(index schema {state.schema}, this program {SCHEMA_VERSION}): {REBUILD}"
            )
        return state

    def open(self, generation: Path, readonly: bool) -> whoosh.index.Index:
        """The Whoosh index of `generation`; IndexUnusable if it cannot be opened.

        A reader is opened without memory maps: Whoosh copies each mapped segment whole
        into memory when it opens it (about 1 s and over 1 GB at 100,000 items), where
        plain file reads fetch only the postings and stored fields a search touches.
        """
        try:
            storage = FileStorage(str(generation), readonly=readonly, supports_mmap=not readonly)
            index = storage.open_index(schema=make_schema())
            index.doc_count()
        except OPEN_DAMAGE as exc:
            raise IndexUnusable(
                f"the search index is damaged ({_first_line(exc)}): {REBUILD}"
            ) from exc
        return index

    # -- writing ---------------------------------------------------------------------------

    def create_first(self) -> Path:
        """Create generation 1, empty, and make it live (only when there is none)."""
        generation = self.start_generation()
        return self.finish_generation(generation, position=0)

    def start_generation(self) -> Path:
        """A new, empty index folder beside the live one, not yet live."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_unfinished()
        number = 1 + max((int(p.name[1:7]) for p in self._generations()), default=0)
        folder = self.root / f"g{number:06d}.building"
        folder.mkdir()
        whoosh.index.create_in(str(folder), make_schema())
        return folder

    def finish_generation(self, building: Path, position: int) -> Path:
        """Make a built generation live, then remove the ones before it."""
        live = building.with_name(building.name.removesuffix(".building"))
        self.write_state(building, position)
        os.rename(building, live)
        atomic.write_bytes(self.root / "CURRENT", f"{live.name}\n".encode("ascii"))
        for old in self._generations():
            if old != live:
                shutil.rmtree(old, ignore_errors=True)
        return live

    def write_state(self, generation: Path, position: int) -> None:
        state = {"schema": SCHEMA_VERSION, "position": position}
        atomic.write_bytes(generation / "state.json", json.dumps(state).encode("utf-8"))

    @contextmanager
    def writer_lock(self, wait_seconds: float = 600.0) -> Iterator[None]:
        """Hold the one-writer lock, waiting for another writer to finish (a rebuild)."""
        with _flock(
            self.root / "writer.lock", wait_seconds, "another process is writing the index"
        ):
            yield

    @contextmanager
    def watch_lock(self) -> Iterator[None]:
        """Hold the one-watcher lock; IndexBusy if a watcher is already running."""
        with _flock(self.root / "watch.lock", 0, "a watcher is already running for this data home"):
            yield

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            p
            for p in self.root.iterdir()
            if p.is_dir() and len(p.name) == 7 and p.name[1:].isdigit()
        )

    def _remove_unfinished(self) -> None:
        for leftover in self.root.glob("g*.building"):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _flock(path: Path, wait_seconds: float, busy: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    raise IndexBusy(f"{busy}{holder}") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
