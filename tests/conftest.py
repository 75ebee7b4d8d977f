"""Shared fixtures: a fresh data home per test, and the real `bureau` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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


class Bureau:
    """Runs `bureau --home HOME ...` in a subprocess, exactly as a user would."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root = root
        self.cwd = cwd

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("BUREAU_HOME", None)
        env["BUREAU_USER"] = env.get("BUREAU_TEST_USER", "tester")
        env.setdefault("BUREAU_PASSPHRASE", PASSPHRASE)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bureau", "--home", str(self.root), *map(str, args)]

    def __call__(self, *args: object, input: str | None = None) -> Result:
        done = subprocess.run(
            self.command(*map(str, args)),
            cwd=self.cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            input=input,
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: object) -> Result:
        result = self(*args)
        assert result.code == 0, f"bureau {args} failed ({result.code}): {result.err}"
        return result

    def json(self, *args: object):
        return self.ok(*args, "--json").json()

    def fails(self, code: int, *args: object) -> Result:
        result = self(*args)
        assert result.code == code, (result.code, result.out, result.err)
        assert "Traceback" not in result.err
        return result


@pytest.fixture
def home_dir(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def pristine_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home made by `bureau init` per test session; each test gets its own copy."""
    root = tmp_path_factory.mktemp("pristine") / "home"
    Bureau(root, root.parent).ok("init")
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
