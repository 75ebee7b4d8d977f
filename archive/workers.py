"""Worker processes for per-file work that would otherwise hold one core.

Screening a DOCX and reading its properties, or extracting its text, is Python work that
holds the interpreter's lock: threads take turns at it on one core while the other idles.
When many files arrive at once (a back-file drop into the inbox), such work is handed to
processes, and the filing process keeps to what must be done in one place (storing,
numbering, the catalog and audit transaction).

The pool starts at its first use, not when an archive is opened (a command filing one file
never pays for it), and lives until `close`. Its processes are started fresh (`spawn`: the
parent has threads of its own, which `fork` would copy mid-lock), and each watches its
parent and exits when it is gone, so a parent killed at any point (kill -9 included) leaves
no worker behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORTH_IT = 32
"""The fewest files for which starting or waking worker processes pays: below it, the
pickling and a first start (about half a second) cost more than they save."""


def count() -> int:
    """One worker per core, at least one."""
    return max(1, os.cpu_count() or 1)


def executor(processes: int) -> ProcessPoolExecutor:
    """A process pool of `processes` fresh workers that exit with their parent."""
    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=orphaned_exit,
        initargs=(os.getpid(),),
    )


class Workers:
    """A pool of worker processes started on first use; `fn` must be a module-level
    function, and its arguments and results picklable."""

    def __init__(self, processes: int | None = None) -> None:
        self._processes = processes or count()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """`fn` of each item, in order, the items sent at once in a few chunks per worker.

        If a worker dies (killed, out of memory), reading the results raises BrokenProcessPool
        and the pool is let go: the next use starts a new one.
        """
        listed = list(items)
        chunk = max(1, len(listed) // (self._processes * 4))
        pool = self._started()
        try:
            results = pool.map(fn, listed, chunksize=chunk)
        except BrokenProcessPool:  # a worker died since the last use: start afresh
            self._discard(pool)
            pool = self._started()
            results = pool.map(fn, listed, chunksize=chunk)
        return self._watched(pool, results)

    def pids(self) -> list[int]:
        """The running workers' process ids (none before the first use)."""
        with self._lock:
            pool = self._pool
        if pool is None:
            return []
        return sorted(p.pid for p in (pool._processes or {}).values() if p.pid is not None)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _watched(self, pool: ProcessPoolExecutor, results: Iterator[R]) -> Iterator[R]:
        try:
            yield from results
        except BrokenProcessPool:
            self._discard(pool)
            raise

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = executor(self._processes)
            return self._pool


def orphaned_exit(parent: int) -> None:
    """In a worker: exit as soon as `parent` is gone (the pool's own signal, its pipe
    closing, does not reach a worker blocked in its queue)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
