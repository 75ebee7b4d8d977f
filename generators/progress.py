"""A one-line progress bar for long batch runs, drawn only when someone is watching.

Generating 1,000 certificates takes minutes; on a terminal the user sees a bar with the
count, the rate and an estimate of the time left. When output goes to a file, a pipe or a
test's StringIO, nothing at all is printed, so logs and machine-read output stay clean.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

MIN_REDRAW_INTERVAL = 0.1  # seconds: at most ~10 redraws per second
_DEFAULT_COLUMNS = 80
_BAR_WIDTH = (10, 30)  # narrowest bar worth drawing, widest bar drawn
_CLEAR_TO_END = "\x1b[K"


class Progress:
    """Counts finished items and shows ``label [####----] 37/100 37% 4.2/s ETA 0:15``.

    ``total`` may be None when the number of items is unknown (then only the count, rate
    and elapsed time are shown). ``stream`` defaults to the current ``sys.stderr``; the bar
    is drawn only if ``stream.isatty()``. ``clock`` exists for tests. Safe to advance from
    several threads. On exit the final state is drawn and the line ended, so the summary
    stays on screen and later output starts on a fresh line.
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
        self._start = clock()
        self._last_draw: float | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._enabled = _is_terminal(self._stream)

    def __enter__(self) -> Progress:
        with self._lock:
            self._draw()
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
            now = self._clock()
            if self._last_draw is None or now - self._last_draw >= MIN_REDRAW_INTERVAL:
                self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line (only the first call does anything)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._draw(finished=True):
                self._write("\n")

    # -- drawing -------------------------------------------------------------------------

    def _draw(self, now: float | None = None, *, finished: bool = False) -> bool:
        if not self._enabled:
            return False
        now = self._clock() if now is None else now
        self._last_draw = now
        line = self.render(now - self._start, _columns(self._stream) - 1, finished=finished)
        return self._write(f"\r{line}{_CLEAR_TO_END}")

    def render(self, elapsed: float, width: int, *, finished: bool = False) -> str:
        """The status line after ``elapsed`` seconds, at most ``width`` columns wide."""
        rate = self.count / elapsed if elapsed > 0 else 0.0
        rate_text = f"{_rate(rate)}/s" if self.count and elapsed > 0 else "--/s"
        if finished or self.total is None:
            timing = f"in {_duration(elapsed)}" if finished else _duration(elapsed)
        elif rate > 0:
            timing = f"ETA {_duration(max(0, self.total - self.count) / rate)}"
        else:
            timing = "ETA --:--"
        if self.total is None:
            return _fit(f"{self.label} {self.count} done  {rate_text}  {timing}", width)
        fraction = min(1.0, self.count / self.total) if self.total > 0 else 1.0
        numbers = f"{self.count}/{self.total} {fraction:4.0%}  {rate_text}  {timing}"
        room = width - _display_width(self.label) - len(numbers) - 4  # spaces and brackets
        if room < _BAR_WIDTH[0]:
            return _fit(f"{self.label} {numbers}", width)
        bar_width = min(room, _BAR_WIDTH[1])
        filled = int(fraction * bar_width)
        bar = "#" * filled + "-" * (bar_width - filled)
        return f"{self.label} [{bar}] {numbers}"

    def _write(self, text: str) -> bool:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # terminal gone or stream closed: stop drawing
            self._enabled = False
            return False
        return True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns > 0 else _DEFAULT_COLUMNS


def _rate(rate: float) -> str:
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"


def _duration(seconds: float) -> str:
    total = int(seconds + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _display_width(text: str) -> int:
    """Terminal columns ``text`` takes: Chinese characters are two columns wide."""
    return sum(_char_width(char) for char in text)


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` columns, so the line never wraps (wrapping breaks ``\\r``)."""
    if _display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > max(0, width - 3):
            break
        kept.append(char)
    return "".join(kept) + "..."
