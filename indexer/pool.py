"""Work of a rebuild spread over the machine's other cores, handed back in order.

A rebuild's time is mostly the analysis of its documents (indexer/analysis.py, in Python,
one core per process); the index writer takes documents from one process. So the writer
sends the documents in chunks to worker processes and takes their results back in the
order it sent them, with a few chunks in flight, so that neither side waits long.

The workers are started fresh (`spawn`: the writer's process has threads of its own),
and each watches its parent and exits when it is gone, so a writer killed at any point
(kill -9 included) leaves no worker behind.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from archive.workers import executor

CHUNK = 256  # documents per message
IN_FLIGHT = 4  # chunks sent and not yet taken back


def workers() -> int:
    """One worker per core but the writer's own."""
    return max(1, (os.cpu_count() or 1) - 1)


class Ordered:
    """`work` applied to each item put, in worker processes; results come back in order."""

    def __init__(self, work: Callable[[list[Any]], list[Any]]) -> None:
        self._work = work
        self._pool: ProcessPoolExecutor | None = None  # started by the first full chunk
        self._chunk: list[Any] = []
        self._sent: deque[tuple[list[Any], Future[list[Any]]]] = deque()

    def put(self, item: Any) -> Iterator[tuple[Any, Any]]:
        """Queue `item`; yields the (item, result) pairs that are ready to be taken."""
        self._chunk.append(item)
        if len(self._chunk) >= CHUNK:
            if self._pool is None:
                self._pool = executor(workers())
            self._send()
        while len(self._sent) > IN_FLIGHT:
            yield from self._take()

    def drain(self) -> Iterator[tuple[Any, Any]]:
        """Every (item, result) pair not yet taken, in order (a last chunk too small to have
        started the workers is worked here)."""
        if self._pool is None:
            chunk, self._chunk = self._chunk, []
            yield from zip(chunk, self._work(chunk), strict=True)
            return
        self._send()
        while self._sent:
            yield from self._take()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _send(self) -> None:
        if self._chunk and self._pool is not None:
            self._sent.append((self._chunk, self._pool.submit(self._work, self._chunk)))
            self._chunk = []

    def _take(self) -> Iterator[tuple[Any, Any]]:
        chunk, future = self._sent.popleft()
        yield from zip(chunk, future.result(), strict=True)
