"""The progress bar: silent off a terminal, one redrawn line on one (checked with a pty)."""

from __future__ import annotations

import fcntl
import io
import os
import re
import struct
import subprocess
import sys
import termios

import pytest
from rich.cells import cell_len

from generators.progress import Progress

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def terminal(monkeypatch):
    """A pseudo-terminal 60 columns wide: (stream to draw on, function reading what arrived)."""
    monkeypatch.setenv("TERM", "xterm-256color")  # not "dumb", whatever the runner has
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
    """The successive states of the line, without colours and cursor codes (the terminal
    turns \\n into \\r\\n)."""
    plain = ANSI.sub("", output).replace("\r\n", "\n")
    return [frame.rstrip("\n") for frame in plain.split("\r") if frame.strip("\n")]


def test_prints_nothing_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(3, "生成证书", stream=stream) as progress:
        for _ in range(3):
            progress.advance()
    assert stream.getvalue() == ""
    assert progress.count == 3


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_variables_that_make_rich_draw_into_files_do_not_make_a_bar(monkeypatch, variable):
    """CI systems set FORCE_COLOR; only a real terminal gets a bar, as before rich."""
    monkeypatch.setenv(variable, "1")
    stream = io.StringIO()
    with Progress(3, "x", stream=stream) as progress:
        progress.advance(3)
    assert stream.getvalue() == ""


def test_rich_is_imported_only_to_draw():
    """Off a terminal the bar costs nothing: rich is not even imported."""
    code = (
        "import io, sys\n"
        "from generators.progress import Progress\n"
        "with Progress(3, 'x', stream=io.StringIO()) as bar:\n"
        "    bar.advance(3)\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_default_stream_is_stderr_at_construction_time(capsys):
    with Progress(2, "x") as progress:
        progress.advance(2)
    assert capsys.readouterr().err == ""  # pytest's capture is not a terminal


def test_draws_count_rate_and_eta_on_a_terminal(terminal):
    stream, read = terminal
    clock = FakeClock()
    with Progress(100, "生成证书", stream=stream, clock=clock) as progress:
        assert re.search(r"^生成证书 ━+ +0/100 +0% +--/s", frames(read())[-1])
        clock.now += 5
        progress.advance(25)
        clock.now += 5
        progress.advance(25)
        last = frames(read())[-1]
        assert last.startswith("生成证书 ━")
        assert re.search(r" 50/100 +50% +5\.0/s +0:00:10$", last)  # 50 left at 5 a second
        clock.now += 10
        progress.advance(50)
    output = read()
    last = frames(output)[-1]
    assert re.search(r"100/100 +100% +5\.0/s +0:00:20$", last)  # the time taken, at the end
    assert "━" * 20 in last
    assert ANSI.sub("", output).endswith("\r\n")  # the line is finished on exit
    assert output.endswith("\x1b[?25h")  # and the cursor shown again
    assert all(cell_len(frame) <= 60 for frame in frames(output))


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
    assert all(cell_len(frame) <= 60 for frame in shown)
    assert re.search(r"^导入 导入 .*… 7 done 3\.5/s 0:00:02$", shown[-1])  # label cut, not numbers
    with Progress(None, "导入", stream=stream, clock=clock) as progress:
        clock.now += 2
        progress.advance(7)
    assert re.search(r"^导入 7 done 3\.5/s 0:00:02$", frames(read())[-1])


def test_a_label_is_plain_text_not_markup(terminal):
    stream, read = terminal
    with Progress(1, "[bold]名单[/bold].xlsx", stream=stream) as progress:
        progress.advance()
    assert frames(read())[-1].startswith("[bold]名单[/bold].xlsx ━")


def test_line_is_finished_even_when_the_work_fails(terminal):
    stream, read = terminal
    with pytest.raises(RuntimeError), Progress(5, "x", stream=stream):
        raise RuntimeError("boom")
    output = read()
    assert ANSI.sub("", output).endswith("\r\n")
    assert output.endswith("\x1b[?25h")


def test_a_closed_stream_does_not_break_the_work():
    class ClosedTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = ClosedTerminal()
    stream.close()
    with Progress(2, "x", stream=stream) as progress:
        progress.advance(2)
    assert progress.count == 2


def test_a_terminal_that_goes_away_mid_run_stops_only_the_drawing(terminal):
    stream, read = terminal
    clock = FakeClock()
    with Progress(10, "x", stream=stream, clock=clock) as progress:
        progress.advance()
        read()
        stream.close()
        clock.now += 1
        progress.advance(9)
    assert progress.count == 10
