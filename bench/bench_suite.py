"""How long the whole test suite takes, as `make test` runs it.

The suite is the project's specification, and it must stay fast enough to run before
every commit: under 8 minutes on a shared 2-core machine (issue 15). This runs the same
command as `make test` (ruff, then pytest on both cores), once, and reports the wall
time, the number of tests and how many started a `bureau` process of their own. The
baseline is a bare `pytest --collect-only` of the same suite in the same run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET = 8 * 60  # seconds


def _timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    return time.monotonic() - started, done


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def run() -> list[str]:
    load = os.getloadavg()[0]
    collect, collected = _timed([str(BIN / "pytest"), "--collect-only"])
    lint_check, _ = _timed([str(BIN / "ruff"), "check", "."])
    lint_format, _ = _timed([str(BIN / "ruff"), "format", "--check", "."])
    suite, done = _timed([str(BIN / "pytest"), "-n", "2", "-p", "no:warnings"])
    tail = done.stdout[-2000:]
    passed = _count(r"(\d+) passed", tail)
    failed = _count(r"(\d+) failed", tail)
    total = lint_check + lint_format + suite
    tests = _count(r"(\d+) tests? collected", collected.stdout)
    return [
        "## The test suite (`bench/bench_suite.py`)",
        "",
        "`make test` on this machine: ruff, then `pytest -n 2`, timed once. Load average "
        f"when it started: {load:.1f} on {os.cpu_count()} CPUs (the machine is shared).",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| bare `pytest --collect-only` (baseline: start-up and collection) | {collect:.1f} |",
        f"| `ruff check` + `ruff format --check` | {lint_check + lint_format:.2f} |",
        f"| `pytest -n 2`: {tests} tests, {passed} passed, {failed} failed | {suite:.1f} |",
        f"| **`make test` without set-up** | **{total:.1f}** |",
        "",
        f"**{total / 60:.1f} minutes, {total / TARGET:.2f}× the 8-minute target; "
        f"{suite / max(collect, 0.1):.0f}× a bare collection.** Before issue 15 (every CLI "
        "test a new process, `import bureau.cli` loading every library): 1,209 tests in "
        "12 min 21 s on both cores, 19–22 min serially.",
    ]
