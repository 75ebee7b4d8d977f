"""Start-up time of the `bureau` command: `--help`, `show` and `list` on a small home.

These are what people type most, and they do little work: their time is almost all
Python's start and the imports. Each command is a new process, as a user runs it; the
median of ROUNDS wall-clock runs (after one run to warm the page cache and the bytecode) is
set against a bare `python -c pass` and `python -c "import argparse"` timed in the same run,
so the ratio says how much of a slow machine's time is the command's own. Target: every
command under TARGET seconds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive.filing import FilingRequest, Source
from archive.home import DataHome
from archive.service import Archive
from bench.documents import make_docx

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
TARGET = 0.4  # seconds, for each `bureau` command measured
ITEMS = 20
ACTOR = "bench"  # creates the home, so it is its administrator
PASSPHRASE = "bench passphrase"
PASSWORD = "bench user's password"
SLOWEST = 8  # libraries listed by their import time for `bureau list`


def _home(folder: Path) -> tuple[Path, str]:
    """A small data home with ITEMS filed notices, and the archival code of one of them."""
    home = folder / "home"
    with Archive.init(DataHome(home), actor=ACTOR, passphrase=PASSPHRASE.encode) as archive:
        codes = []
        for n in range(ITEMS):
            doc = make_docx(folder / f"notice{n}.docx", f"关于第{n}次校园安全检查的通知", f"N{n}")
            filed = archive.file(
                FilingRequest(
                    documents=[Source(doc)],
                    kind="notice",
                    dept="BGS",
                    title=f"关于第{n}次校园安全检查的通知",
                    date="2026-03-04",
                    retention="D30",
                )
            )
            codes.append(filed.item.archive_code)
        archive.set_password(ACTOR, PASSWORD)  # at the default cost: sign-in is part of it
    return home, codes[ITEMS // 2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BUREAU_HOME", None)
    env["BUREAU_USER"] = ACTOR
    env["BUREAU_PASSPHRASE"] = PASSPHRASE
    env["BUREAU_PASSWORD"] = PASSWORD
    return env


def _median_seconds(argv: list[str], env: dict[str, str]) -> float:
    """The median wall-clock time of ROUNDS runs of `argv` (each must exit 0)."""
    times = []
    for round_ in range(ROUNDS + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=120)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.decode()[-500:]}")
        if round_:  # the first run only warms the caches
            times.append(elapsed)
    return statistics.median(times)


def _slowest_imports(argv: list[str], env: dict[str, str]) -> list[tuple[str, float]]:
    """The libraries `argv` (a `python -m ...` command) spends most time importing, from one
    run with `-X importtime`: (top-level package, seconds including what it imports), not
    counting the project's own packages (they import everything else) or Python's start."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], cwd=ROOT, env=env, capture_output=True
    )
    # The report lists each module after the modules it imports, indented one level deeper.
    stack: list[tuple[int, str, float, list]] = []
    for line in done.stderr.decode(errors="replace").splitlines():
        fields = line.split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        depth = (len(fields[2]) - len(fields[2].lstrip()) - 1) // 2
        children = []
        while stack and stack[-1][0] > depth:
            children.insert(0, stack.pop())
        stack.append((depth, fields[2].strip(), int(fields[1]) / 1e6, children))
    totals: dict[str, float] = {}

    def visit(node: tuple[int, str, float, list], outer: frozenset[str]) -> None:
        _, name, seconds, children = node
        package = name.split(".")[0]
        if package not in outer:  # a package's time counted once, where it is first entered
            totals[package] = totals.get(package, 0.0) + seconds
        for child in children:
            visit(child, outer | {package})

    for node in stack:
        visit(node, frozenset())
    libraries = {p: t for p, t in totals.items() if p not in _NOT_LIBRARIES}
    return sorted(libraries.items(), key=lambda item: item[1], reverse=True)[:SLOWEST]


_NOT_LIBRARIES = {"bureau", "archive", "generators", "indexer", "seals", "site", "encodings"}


def run() -> list[str]:
    env = _env()
    load = os.getloadavg()[0]
    python = sys.executable
    bureau = [python, "-m", "bureau"]
    with tempfile.TemporaryDirectory() as tmp:
        home, ref = _home(Path(tmp))
        at_home = [*bureau, "--home", str(home)]
        bare = _median_seconds([python, "-c", "pass"], env)
        argparse_ = _median_seconds([python, "-c", "import argparse"], env)
        commands = [
            ("`bureau --help`", [*bureau, "--help"]),
            ("`bureau show REF`", [*at_home, "show", ref]),
            ("`bureau list`", [*at_home, "list"]),
        ]
        timed = [(what, _median_seconds(argv, env)) for what, argv in commands]
        slowest = _slowest_imports([*at_home, "list"], env)
    lines = [
        "## Start-up time of the CLI (`bench/bench_startup.py`)",
        "",
        f"Wall-clock time of a new process for each command, median of {ROUNDS} runs after one "
        f"warm-up run, on a home of {ITEMS} filed notices; `show` and `list` include signing in "
        "(one argon2id check at the default cost, about 0.1 s); the baselines are timed in "
        f"the same run. Target: each `bureau` command under {TARGET} s. Load average when it "
        f"started: {load:.1f} on {os.cpu_count()} CPUs (the machine is shared: compare the "
        "ratios).",
        "",
        "| command | seconds | × `python -c pass` | × `import argparse` | under target |",
        "|---|---|---|---|---|",
        f"| bare `python -c pass` | {bare:.3f} | 1.0 | | |",
        f"| bare `python -c 'import argparse'` | {argparse_:.3f} | {argparse_ / bare:.1f} "
        "| 1.0 | |",
    ]
    for what, seconds in timed:
        verdict = "yes" if seconds < TARGET else "**no**"
        lines.append(
            f"| {what} | {seconds:.3f} | {seconds / bare:.1f} | {seconds / argparse_:.1f} "
            f"| {verdict} |"
        )
    worst = max(seconds for _, seconds in timed)
    lines += [
        "",
        f"**Slowest command: {worst:.2f} s, {worst / TARGET:.1f}× the {TARGET} s target; "
        f"{worst / argparse_:.1f}× a bare `import argparse`.**",
        "",
        "The libraries `bureau list` spends most time importing (`python -X importtime`, one "
        "run; each including what it imports): "
        + ", ".join(f"`{name}` {seconds:.2f} s" for name, seconds in slowest)
        + ".",
    ]
    return lines
