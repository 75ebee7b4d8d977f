"""Where the index lives, and how it is replaced whole.

    index/CURRENT          names the live generation, e.g. "g000003"
    index/g000003/         an index of one engine (indexer/engine.py), plus state.json: the
                           engine, its schema version and the audit position indexed up to
    index/texts.sqlite     each readable item's extracted text, what a rebuild reads
                           (indexer/texts.py; outlives the generations)
    index/writer.lock      held by whoever writes (one writer at a time)
    index/watch.lock       held by a running watcher (one watcher at a time)

A rebuild writes a new generation beside the live one and switches CURRENT atomically, so
searches never see a half-built index and a killed rebuild leaves the old one in use. That
is also how a home changes engine: the new generation is built by the other engine.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from archive import atomic
from archive.errors import IndexBusy, IndexUnusable
from indexer import engine as engines
from indexer.engine import Engine

REBUILD = "run `bureau index rebuild`"
# The version of what the index holds for an item (its fields and their analysis), for
# every engine: an index of another version is refused with a message to rebuild it.
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class State:
    schema: int
    position: int  # the audit sequence number indexed up to
    engine: str = engines.LEGACY


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
            state = State(
                schema=int(data["schema"]),
                position=int(data["position"]),
                engine=str(data.get("engine", engines.LEGACY)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexUnusable(
                f"the search index is damaged (state unreadable): {REBUILD}"
            ) from exc
        if state.engine not in engines.ENGINES:
            raise IndexUnusable(
                f"the search index was built by an unknown engine {state.engine!r}: {REBUILD}"
            )
        if state.schema != SCHEMA_VERSION:
            age = "an older" if state.schema < SCHEMA_VERSION else "a newer"
            raise IndexUnusable(
                f"the search index was built by {age} version of the program "
                f"(index schema {state.schema}, this program {SCHEMA_VERSION}): {REBUILD}"
            )
        return state

    def open(self, generation: Path, readonly: bool) -> Engine:
        """The index of `generation`, by the engine that built it; IndexUnusable if it
        cannot be opened."""
        name = self.state(generation).engine
        try:
            return engines.open_engine(name, generation, readonly)
        except engines.damage(name, opening=True) as exc:
            raise IndexUnusable(
                f"the search index is damaged ({_first_line(exc)}): {REBUILD}"
            ) from exc

    @contextmanager
    def reading(self, generation: Path) -> Iterator[Engine]:
        """The index of `generation` opened read-only; what its files' damage raises while
        it is read becomes IndexUnusable."""
        name = self.state(generation).engine
        index = self.open(generation, readonly=True)
        try:
            yield index
        except engines.damage(name) as exc:
            raise IndexUnusable(
                f"the search index is damaged ({_first_line(exc)}): {REBUILD}"
            ) from exc
        finally:
            index.close()

    def engine_of(self, generation: Path) -> str:
        return self.state(generation).engine

    # -- writing ---------------------------------------------------------------------------

    def create_first(self, engine: str) -> Path:
        """Create generation 1, empty, and make it live (only when there is none)."""
        generation = self.start_generation(engine)
        return self.finish_generation(generation, position=0)

    def start_generation(self, engine: str) -> Path:
        """A new, empty index of `engine` beside the live one, not yet live."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_unfinished()
        number = 1 + max((int(p.name[1:7]) for p in self._generations()), default=0)
        folder = self.root / f"g{number:06d}.building"
        folder.mkdir()
        engines.create(engine, folder)
        self.write_state(folder, 0, engine)
        return folder

    def finish_generation(self, building: Path, position: int) -> Path:
        """Make a built generation live, then remove the ones before it."""
        live = building.with_name(building.name.removesuffix(".building"))
        self.write_state(building, position, self.state(building).engine)
        os.rename(building, live)
        atomic.write_bytes(self.root / "CURRENT", f"{live.name}\n".encode("ascii"))
        for old in self._generations():
            if old != live:
                shutil.rmtree(old, ignore_errors=True)
        return live

    def write_state(self, generation: Path, position: int, engine: str) -> None:
        state = {"schema": SCHEMA_VERSION, "position": position, "engine": engine}
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
