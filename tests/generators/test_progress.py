"""The progress bar: silent off a terminal, one redrawn line on one (checked with a pty)."""

from __future__ import annotations

import fcntl
import io
import os
import re
import struct
import termios

import pytest

from generators.progress import Progress, _display_width


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def terminal():
    """A pseudo-terminal 60 columns wide: (stream to draw on, function reading what arrived)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    os.set_blocking(master, False)
    received = bytearray()

    def read() -> str:
        stream.flush()
        while True:
            try:
                chunk = os.read(master, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            received.extend(chunk)
        return received.decode("utf-8")

    yield stream, read
    stream.close()
    os.close(master)


def frames(output: str) -> list[str]:
    """The successive states of the line (the terminal turns \\n into \\r\\n)."""
    plain = output.replace("\x1b[K", "").replace("\r\n", "\n")
    return [frame.rstrip("\n") for frame in plain.split("\r") if frame]


def test_prints_nothing_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(3, "生成证书", stream=stream) as progress:
        for _ in range(3):
            progress.advance()
    assert stream.getvalue() == ""
    assert progress.count == 3


def test_default_stream_is_stderr_at_construction_time(capsys):
    with Progress(2, "x") as progress:
        progress.advance(2)
    assert capsys.readouterr().err == ""  # pytest's capture is not a terminal


def test_draws_count_rate_and_eta_on_a_terminal(terminal):
    stream, read = terminal
    clock = FakeClock()
    with Progress(100, "生成证书", stream=stream, clock=clock) as progress:
        clock.now += 10
        progress.advance(50)
        assert frames(read())[-1].startswith("生成证书 [")
        assert "50/100  50%  5.0/s  ETA 0:10" in frames(read())[-1]
        clock.now += 10
        progress.advance(50)
    output = read()
    last = frames(output)[-1]
    assert "100/100 100%" in last and "in 0:20" in last
    assert output.endswith("\r\n")  # the line is finished on exit
    assert "#" * 10 in last
    assert all(_display_width(frame) <= 59 for frame in frames(output))


def test_redraws_at_most_ten_times_a_second(terminal):
    stream, read = terminal
    clock = FakeClock()
    with Progress(10_000, "batch", stream=stream, clock=clock) as progress:
        for _ in range(1000):
            progress.advance()
        assert len(frames(read())) == 1  # drawn on entry only
        clock.now += 0.05
        progress.advance()
        assert len(frames(read())) == 1
        clock.now += 0.06
        progress.advance()
        assert len(frames(read())) == 2
        assert "1002/10000" in frames(read())[-1]


def test_unknown_total_and_narrow_terminal(terminal):
    stream, read = terminal
    clock = FakeClock()
    with Progress(None, "导入 " * 20, stream=stream, clock=clock) as progress:
        clock.now += 2
        progress.advance(7)
    shown = frames(read())
    assert all(_display_width(frame) <= 59 for frame in shown)
    assert shown[-1].endswith("...")
    with Progress(None, "导入", stream=stream, clock=clock) as progress:
        clock.now += 2
        progress.advance(7)
    assert re.search(r"导入 7 done  3\.5/s  in 0:02$", frames(read())[-1])


def test_line_is_finished_even_when_the_work_fails(terminal):
    stream, read = terminal
    with pytest.raises(RuntimeError), Progress(5, "x", stream=stream):
        raise RuntimeError("boom")
    assert read().endswith("\r\n")


def test_a_closed_stream_does_not_break_the_work():
    class ClosedTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = ClosedTerminal()
    stream.close()
    with Progress(2, "x", stream=stream) as progress:
        progress.advance(2)
    assert progress.count == 2
