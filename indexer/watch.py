"""The watcher: files what lands in the inbox and keeps the index equal to the catalog.

One loop, one writer. Each turn it takes the inbox files that have settled, then indexes
every item the audit trail shows changed since the index's position (however it was
filed: `bureau generate`, `bureau file` or the inbox). Filesystem events only wake the
loop early; the loop itself looks at the inbox and the catalog every `poll_seconds`, and
reconciles the whole index with the catalog at start-up and every `rescan_seconds`, so a
missed event delays work but never loses it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from archive.classify import Change
from archive.config import WatchSettings
from archive.errors import IndexBusy
from archive.service import Archive
from indexer.generations import IndexDir
from indexer.inbox import Filer, Inbox, Outcome
from indexer.sync import Indexer

INBOX_BATCH = 200  # files taken (one group commit) before the index is brought up to date
TURN_SECONDS = 30.0  # a turn files batches for at most this long before it looks again
DECLASSIFY_SECONDS = 24 * 3600
STOP_CHECK_SECONDS = 0.2  # a stop signal is noticed within this long, however long the pause
ONCE_PATIENCE = 3.0  # `--once` waits at most this many settle times for arriving files

Report = Callable[[str], None]


@dataclass
class Tally:
    filed: int = 0
    duplicates: int = 0
    rejected: int = 0
    indexed: int = 0
    removed: int = 0
    waiting: int = 0  # inbox files still arriving when `--once` stopped
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "filed":
            self.filed += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        elif outcome.status == "rejected":
            self.rejected += 1

    def taken(self) -> int:
        """Inbox files dealt with so far: filed, found to be duplicates, or rejected."""
        return self.filed + self.duplicates + self.rejected

    def to_json(self) -> dict[str, int]:
        return {
            "filed": self.filed,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "indexed": self.indexed,
            "removed": self.removed,
            "waiting": self.waiting,
        }


class Watcher:
    def __init__(
        self,
        archive: Archive,
        settings: WatchSettings,
        file: Filer,
        declassify: Callable[[], list[Change]] | None = None,
        report: Report = lambda line: None,
    ) -> None:
        self.archive = archive
        self.settings = settings
        self.report = report
        self.dir = IndexDir(archive.home.folder("index"))
        self.indexer = Indexer(archive, self.dir)
        self.inbox = Inbox(archive, settings.settle_seconds, file)
        self.declassify = declassify  # None: the watcher's user may not end classifications
        self.tally = Tally()

    def run_once(self) -> Tally:
        """Do all pending work: recover, reconcile, file the inbox, index; then return.

        Every file that has settled is filed, however long that takes; only for files still
        being written does it wait, and then at most ONCE_PATIENCE settle periods (counted
        from the last batch it filed) before it returns and reports them as waiting. A
        batch of which nothing could be taken (a full disk, say) counts as waiting too.
        """
        with self.dir.watch_lock():
            self._start()
            patience = ONCE_PATIENCE * self.settings.settle_seconds + 1
            give_up = time.monotonic() + patience
            while True:
                before = self.tally.taken()
                wait = self._turn()
                if wait == 0.0 and self.tally.taken() > before:
                    give_up = time.monotonic() + patience  # work in hand never times out
                    continue
                if wait is None or time.monotonic() + wait > give_up:
                    break
                time.sleep(wait)
            self.tally.waiting = len(self.inbox.candidates())
            self.inbox.clearing.wait()
        return self.tally

    def run(self, stop: threading.Event) -> Tally:
        """Work until `stop` is set; the batch in hand is finished first."""
        with self.dir.watch_lock():
            wake = threading.Event()
            observer = _observe(self.inbox.folder, wake)
            try:
                self._start()
                self.report("watching " + str(self.inbox.folder) + " (stop with Ctrl-C)")
                next_rescan = time.monotonic() + self.settings.rescan_seconds
                next_declassify = time.monotonic() + DECLASSIFY_SECONDS
                while not stop.is_set():
                    wait = self._turn(stop)
                    if time.monotonic() >= next_declassify:
                        self._declassify()
                        next_declassify = time.monotonic() + DECLASSIFY_SECONDS
                    if time.monotonic() >= next_rescan:
                        self._reconcile()
                        next_rescan = time.monotonic() + self.settings.rescan_seconds
                    pause = self.settings.poll_seconds if wait is None else min(wait, 60.0)
                    _pause(max(pause, 0.05), wake, stop)
                    wake.clear()
            finally:
                observer.stop()
                observer.join(timeout=5)
                self.inbox.clearing.wait()
        return self.tally

    def _start(self) -> None:
        for line in self.inbox.recover():
            self.report(line)
        self._declassify()
        with self.dir.writer_lock():
            self._catch_up_locked()
            self._reconcile_locked()

    def _turn(self, stop: threading.Event | None = None) -> float | None:
        """File the settled inbox files batch after batch, indexing after each, and return
        the seconds until more may be ready (0: more are ready now).

        The inbox is looked through once a turn, not once a batch: with 100,000 files
        dropped at once, listing and stat-ing them all for every batch of 200 would cost
        more than the filing. A turn ends early (to look again) after TURN_SECONDS, so the
        loop's periodic work still runs, and after the batch in hand once `stop` is set.
        """
        ready, wait = self.inbox.ready()
        ends, before = time.monotonic() + TURN_SECONDS, self.tally.taken()
        for start in range(0, len(ready), INBOX_BATCH):
            batch = ready[start : start + INBOX_BATCH]
            if start:  # seen settled a while ago: one may have been written to since
                batch = self.inbox.still_settled(batch)
            for outcome in self.inbox.take_batch(batch):
                self.tally.count(outcome)
                self.report(outcome.line())
            self._catch_up()
            more = start + INBOX_BATCH < len(ready)
            if more and ((stop is not None and stop.is_set()) or time.monotonic() > ends):
                return 0.0
        if not ready:
            self._catch_up()
        if self.tally.taken() > before:
            return 0.0  # files may have arrived while it filed: look again at once
        return wait

    def _declassify(self) -> None:
        """Lower the items whose classification has ended (daily; needs the permission)."""
        if self.declassify is None:
            return
        for change in self.declassify():
            self.report(f"declassified item {change.item_id}: {change.before} -> {change.after}")

    def _catch_up(self) -> None:
        try:
            with self.dir.writer_lock(wait_seconds=0):
                self._catch_up_locked()
        except IndexBusy:
            pass  # a rebuild holds the index; its successor is caught up next turn

    def _catch_up_locked(self) -> None:
        handled = self.indexer.catch_up()
        if handled:
            self.tally.indexed += handled
            self.report(f"index: {handled} item(s) indexed")

    def _reconcile(self) -> None:
        try:
            with self.dir.writer_lock(wait_seconds=0):
                self._reconcile_locked()
        except IndexBusy:
            pass

    def _reconcile_locked(self) -> None:
        result = self.indexer.reconcile()
        self.tally.indexed += result.added
        self.tally.removed += result.removed
        if result.added or result.removed:
            self.report(
                f"index: reconciled with the catalog: {result.added} added, "
                f"{result.removed} removed"
            )


def _pause(seconds: float, wake: threading.Event, stop: threading.Event) -> None:
    """Sleep until `seconds` pass, a filesystem event wakes us, or we are asked to stop."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not wake.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        wake.wait(min(remaining, STOP_CHECK_SECONDS))


class _Wake(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.wake.set()


def _observe(folder: object, wake: threading.Event) -> Observer:
    observer = Observer()
    observer.schedule(_Wake(wake), str(folder), recursive=False)
    observer.daemon = True
    observer.start()
    return observer
