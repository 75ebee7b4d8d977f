"""A one-line progress bar for long batch runs, drawn only when someone is watching.

Generating 1,000 certificates takes minutes; on a terminal the user sees a bar with the
count, the rate and an estimate of the time left, drawn by ``rich.progress``. When output
goes to a file, a pipe or a test's StringIO, nothing at all is printed, so logs and
machine-read output stay clean. Whether to draw is decided here from ``stream.isatty()``
alone, not by rich (which would also draw into a file when FORCE_COLOR or TTY_COMPATIBLE is
set, as some CI systems do). rich is imported only when a bar is really drawn, so commands
that never draw one do not pay for importing it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

MIN_REDRAW_INTERVAL = 0.1  # seconds: at most ~10 redraws per second
BAR_WIDTH = 30  # widest bar drawn; rich narrows it on a narrow terminal
_MIN_BAR = 10  # narrowest bar worth drawing, kept by cutting the label
_MAX_RATE = len("12345/s")  # room kept for the rate ...
_MAX_TIME = len("10:00:00")  # ... the time left or taken
_MAX_COUNT = 10**6  # ... and a count when the total is unknown
_DEFAULT_COLUMNS = 80


class Progress:
    """Counts finished items and shows ``label ━━━━━━╺━━━━━ 37/100  37% 4.2/s 0:00:15``.

    ``total`` may be None when the number of items is unknown (then only the count, rate
    and elapsed time are shown). ``stream`` defaults to the current ``sys.stderr``; the bar
    is drawn only if ``stream.isatty()``. ``clock`` exists for tests. Safe to advance from
    several threads. On exit the final state is drawn and the line ended, so the summary
    stays on screen and later output starts on a fresh line. A stream that fails (terminal
    gone, stream closed) only stops the drawing, never the work.
    """

    def __init__(
        self,
        total: int | None,
        label: str,
        stream: TextIO | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.count = 0
        self._stream = sys.stderr if stream is None else stream
        self._clock = clock
        self._last_draw: float | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._enabled = _is_terminal(self._stream)
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Progress:
        with self._lock:
            self._guarded(self._start)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more finished items; redraw if the last redraw is old enough."""
        with self._lock:
            self.count += n
            if self._bar is None:
                return
            now = self._clock()
            due = self._last_draw is None or now - self._last_draw >= MIN_REDRAW_INTERVAL
            self._guarded(lambda: self._update(now, refresh=due))

    def close(self) -> None:
        """Draw the final state and end the line (only the first call does anything)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._bar is not None:
                self._guarded(self._finish)

    # -- drawing (only on a terminal, only with rich imported) ---------------------------

    def _start(self) -> None:
        if not self._enabled or self._closed:
            return
        from rich.console import Console  # here, not at the top: see the module's note
        from rich.progress import Progress as RichProgress

        width = _columns(self._stream)
        console = Console(file=self._stream, force_terminal=True, width=width, highlight=False)
        self._bar = RichProgress(
            *_columns_for(self.total, width),
            console=console,
            auto_refresh=False,  # redrawn from advance(), at most every MIN_REDRAW_INTERVAL
            redirect_stdout=False,  # the command's own output goes where it always went
            redirect_stderr=False,
            get_time=self._clock,
        )
        self._task = self._bar.add_task(self.label, total=self.total)
        self._last_draw = self._clock()
        self._bar.start()  # draws the first frame

    def _update(self, now: float, *, refresh: bool) -> None:
        assert self._bar is not None and self._task is not None
        self._bar.update(self._task, completed=self.count)
        if refresh:
            self._last_draw = now
            self._bar.refresh()

    def _finish(self) -> None:
        assert self._bar is not None and self._task is not None
        bar, self._bar = self._bar, None
        bar.update(self._task, completed=self.count)
        bar.stop_task(self._task)  # the elapsed time stops here, for the last frame
        bar.stop()  # draws the final frame and ends the line

    def _guarded(self, draw: Callable[[], Any]) -> None:
        try:
            draw()
        except (OSError, ValueError):  # terminal gone or stream closed: stop drawing
            self._enabled = False
            self._bar = None


def _columns_for(total: int | None, width: int) -> tuple[Any, ...]:
    """rich's columns: ``label bar done/total pct rate ETA``, or, with no total,
    ``label N done rate elapsed``, in ``width`` columns.

    On a narrow terminal the bar gives way first (rich narrows it), then the label, which is
    cut with an ellipsis so that the numbers always stay whole on one line.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Column
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second since the start, e.g. ``4.2/s`` (rich has no column for a
        plain count's rate: its TransferSpeedColumn shows bytes)."""

        def render(self, task: Any) -> Text:
            elapsed = task.elapsed or 0.0
            if not task.completed or elapsed <= 0:
                return Text("--/s", style="progress.data.speed")
            return Text(f"{_rate(task.completed / elapsed)}/s", style="progress.data.speed")

    if total is None:  # "N done" + rate + elapsed time, and the spaces between
        numbers = len(f"{_MAX_COUNT} done") + _MAX_RATE + _MAX_TIME + 3
    else:  # narrowest bar + "done/total" + " 37%" + rate + ETA, and the spaces between
        numbers = _MIN_BAR + 2 * len(str(total)) + 1 + 4 + _MAX_RATE + _MAX_TIME + 5
    label = TextColumn(
        "{task.description}",
        markup=False,  # a label is plain text: a file name may hold "[...]"
        table_column=Column(no_wrap=True, overflow="ellipsis", max_width=max(4, width - numbers)),
    )
    if total is None:
        return (
            label,
            TextColumn("{task.completed:.0f} done", table_column=Column(no_wrap=True)),
            RateColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
        )
    return (
        label,
        BarColumn(bar_width=BAR_WIDTH),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TaskProgressColumn(table_column=Column(no_wrap=True)),
        RateColumn(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(elapsed_when_finished=True, table_column=Column(no_wrap=True)),
    )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _columns(stream: TextIO) -> int:
    """The terminal's width (rich would measure fds 0-2 even when drawing elsewhere)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns > 0 else _DEFAULT_COLUMNS


def _rate(rate: float) -> str:
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"
