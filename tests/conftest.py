"""Shared fixtures: a fresh data home per test, and the `bureau` command.

`bureau(...)` runs the command's entry point, `bureau.__main__.main(argv)`, in this process,
with everything a new process would get: the same argv, environment, working directory, an
empty non-terminal stdin (or the `input=` text) and its own stdout and stderr; starting
Python and importing the CLI for each of several hundred commands is what made the suite
slow. `bureau.real(...)` (and `bureau.real.ok/json/fails`) starts `python -m bureau` as a
new process, for what only a process shows: signals, kill -9, several processes at once,
the watcher in the background, library warnings at start-up.

An in-process call must leave the process as it found it: a signal handler, logging handler,
umask, working directory, environment variable, thread or file descriptor left behind by the
command fails the test (a fresh process would have hidden it).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from multiprocessing import resource_tracker
from pathlib import Path

import pytest

import bureau.__main__ as entry_point
from archive import home
from archive.service import Archive


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


PASSPHRASE = "correct horse battery staple"
PASSWORD = "tester's own password"  # every test user's, set from $BUREAU_NEW_PASSWORD
# Every command a test runs is scripted: the acting user's password comes from the
# environment, in-process callers of `bureau.cli.main` included (a test about a missing or
# wrong password sets or removes it).
os.environ.setdefault("BUREAU_PASSWORD", PASSWORD)
os.environ.setdefault("BUREAU_NEW_PASSWORD", PASSWORD)
# Test homes hash passwords cheaply (a real home's default costs 64 MiB and ~0.1 s a check).
CHEAP_HASHING = "password_hashing: {time_cost: 1, memory_kib: 1024, parallelism: 1}\n"

_SIGNALS = [s for s in signal.Signals if s not in (signal.SIGKILL, signal.SIGSTOP)]


class Bureau:
    """`bureau --home HOME ...` as a user runs it: in this process, or with `real` in a new one."""

    def __init__(self, root: Path, cwd: Path, in_process: bool = True) -> None:
        self.root = root
        self.cwd = cwd
        self.in_process = in_process

    @property
    def real(self) -> Bureau:
        """The same command run as a new process (`python -m bureau`) each time."""
        return Bureau(self.root, self.cwd, in_process=False)

    def env(self, **overrides: str | None) -> dict[str, str]:
        """The command's environment; an override of None removes the variable."""
        env = dict(os.environ)
        env.pop("BUREAU_HOME", None)
        env["BUREAU_USER"] = env.get("BUREAU_TEST_USER", "tester")
        env.setdefault("BUREAU_PASSPHRASE", PASSPHRASE)
        env.setdefault("BUREAU_PASSWORD", PASSWORD)
        env.setdefault("BUREAU_NEW_PASSWORD", PASSWORD)
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def argv(self, *args: object) -> list[str]:
        return ["--home", str(self.root), *map(str, args)]

    def command(self, *args: object) -> list[str]:
        return [sys.executable, "-m", "bureau", *self.argv(*args)]

    def __call__(
        self, *args: object, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        run = self.run if self.in_process else self.process
        return run(*args, input=input, env=env)

    def process(
        self, *args: object, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        """`python -m bureau --home HOME ARGS...` in a new process."""
        done = subprocess.run(
            self.command(*args),
            cwd=self.cwd,
            env=self.env(**(env or {})),
            capture_output=True,
            text=True,
            input=input,
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def run(
        self, *args: object, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        """`bureau --home HOME ARGS...` in this process (see the module's docstring)."""
        return in_process(self.argv(*args), self.env(**(env or {})), self.cwd, input)

    def ok(self, *args: object, env: dict[str, str | None] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.code == 0, f"bureau {args} failed ({result.code}): {result.err}"
        return result

    def json(self, *args: object):
        return self.ok(*args, "--json").json()

    def fails(self, code: int, *args: object, env: dict[str, str | None] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.code == code, (result.code, result.out, result.err)
        assert "Traceback" not in result.err
        return result


def in_process(argv: list[str], env: dict[str, str], cwd: Path, input: str | None = None) -> Result:
    """`bureau ARGV...` run by its entry point in this process, as a new process would run it:
    with exactly `env` as its environment, in `cwd`, reading `input` (never a terminal)."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("in-process `bureau` runs on the main thread only: use bureau.real")
    out, err = io.StringIO(), io.StringIO()
    before = _State.take()
    with _environment(env) as expected, _argv(argv), _tempdir():
        os.chdir(cwd)
        started_in = os.getcwd()
        try:
            with (
                warnings.catch_warnings(),
                _stdin(io.StringIO(input or "")),
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                code = _exit_code(argv)
        finally:
            changed_env = _changes(expected, dict(os.environ))
            left_in = os.getcwd()
            os.chdir(before.cwd)
    leaks = before.leaks(_State.take())
    if changed_env:
        leaks.append(f"environment variables changed: {changed_env}")
    if left_in != started_in:
        leaks.append(f"the working directory changed to {left_in}")
    if leaks:
        pytest.fail(f"bureau {argv} left state behind in the process: " + "; ".join(leaks))
    return Result(code, out.getvalue(), err.getvalue())


def _exit_code(argv: list[str]) -> int:
    """The entry point's return value, or its SystemExit's code as the interpreter makes it."""
    try:
        return entry_point.main(argv)
    except SystemExit as exit_:  # argparse: bad usage (2), --help (0)
        if exit_.code is None:
            return 0
        if isinstance(exit_.code, int):
            return exit_.code
        print(exit_.code, file=sys.stderr)
        return 1


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield dict(env)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _tempdir():
    """`tempfile` picks its directory once per process: from $TMPDIR of the command's own."""
    saved = tempfile.tempdir
    tempfile.tempdir = None
    try:
        yield
    finally:
        tempfile.tempdir = saved


@contextlib.contextmanager
def _argv(argv: list[str]):
    saved = sys.argv
    sys.argv = [entry_point.__file__, *argv]
    try:
        yield
    finally:
        sys.argv = saved


@contextlib.contextmanager
def _stdin(stream: io.StringIO):
    saved = sys.stdin
    sys.stdin = stream
    try:
        yield
    finally:
        sys.stdin = saved


def _changes(expected: dict[str, str], now: dict[str, str]) -> list[str]:
    return sorted(k for k in expected.keys() | now.keys() if expected.get(k) != now.get(k))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fds() -> dict[int, str]:
    found = {}
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            found[int(name)] = os.readlink(f"/proc/self/fd/{name}")
    return found


@dataclass
class _State:
    """What an in-process command may change in the process but must put back."""

    cwd: str
    umask: int
    handlers: dict[int, object]
    root_logging: list[logging.Handler]
    threads: set[threading.Thread]
    fds: dict[int, str]

    @classmethod
    def take(cls) -> _State:
        return cls(
            cwd=os.getcwd(),
            umask=_umask(),
            handlers={s: signal.getsignal(s) for s in _SIGNALS},
            root_logging=list(logging.getLogger().handlers),
            threads=set(threading.enumerate()),
            fds=_fds(),
        )

    def leaks(self, after: _State) -> list[str]:
        """What `after` kept that this state did not have (each undone, so it cannot spread)."""
        found = []
        if after.umask != self.umask:
            found.append(f"umask {after.umask:o} (was {self.umask:o})")
            os.umask(self.umask)
        for sig, handler in self.handlers.items():
            if after.handlers[sig] != handler:
                found.append(f"signal handler for {signal.Signals(sig).name}")
                signal.signal(sig, handler)  # type: ignore[arg-type]
        added = [h for h in after.root_logging if h not in self.root_logging]
        if not any(type(h) is logging.NullHandler for h in self.root_logging):
            # the one NullHandler the CLI puts on the root logger (once per process) may stay
            nulls = [h for h in added if type(h) is logging.NullHandler]
            added = [h for h in added if h not in nulls[:1]]
        if added:
            found.append(f"root logging handlers {added}")
            for handler in added:
                logging.getLogger().removeHandler(handler)
        threads = [t for t in after.threads - self.threads if t.is_alive()]
        deadline = time.monotonic() + 5
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if running := [t.name for t in threads if t.is_alive()]:
            found.append(f"threads still running {running}")
        # SQLite closes a connection's file only when no other connection of the process holds
        # a lock on it, so a file the test itself has open may stay open a little longer
        held = set(self.fds.values())
        opened = {
            fd: path
            for fd, path in after.fds.items()
            if self.fds.get(fd) != path and path not in held
        }
        if opened:
            gc.collect()  # an unreachable cycle holding a file is not a leak
            now = _fds()
            opened = {fd: path for fd, path in opened.items() if now.get(fd) == path}
        opened.pop(resource_tracker._resource_tracker._fd, None)  # once per process (spawn)
        if opened:
            found.append(f"file descriptors left open {sorted(opened.items())}")
        return found


@pytest.fixture
def home_dir(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def pristine_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home made by `bureau init` per test session; each test gets its own copy."""
    root = tmp_path_factory.mktemp("pristine") / "home"
    made = Bureau(root, root.parent)
    made.ok("init")
    with (root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(CHEAP_HASHING)
    made.ok("users", "list")  # the administrator's password is re-hashed at the new cost
    return root


@pytest.fixture
def bureau(home_dir: Path, tmp_path: Path, pristine_home: Path) -> Bureau:
    """The CLI bound to a freshly initialised data home (a copy of a pristine one)."""
    shutil.copytree(pristine_home, home_dir, symlinks=True)
    return Bureau(home_dir, tmp_path)


@pytest.fixture
def archive(home_dir: Path):
    """The service layer on a freshly initialised data home (for fast, in-process tests)."""
    passphrase = PASSPHRASE.encode()
    with Archive.init(
        home.DataHome(home_dir), actor="tester", passphrase=lambda: passphrase
    ) as opened:
        yield opened
