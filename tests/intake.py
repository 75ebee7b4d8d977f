"""Helpers for the intake specifications: the real `bureau` command run in this process, and
a census of what a data home holds (to show that a refused file left nothing behind)."""

from __future__ import annotations

import io
import os
import sqlite3
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from bureau.cli import main
from tests.conftest import PASSPHRASE, Result

GOOD = ["--kind", "notice", "--dept", "BGS", "--date", "2026-03-04", "--title", "A title"]


def run(home: Path, *args: object) -> Result:
    """`bureau --home HOME ARGS...` in this process, as the user `tester`."""
    out, err = io.StringIO(), io.StringIO()
    env = {"BUREAU_USER": "tester", "BUREAU_PASSPHRASE": PASSPHRASE}
    with mock.patch.dict(os.environ, env), redirect_stdout(out), redirect_stderr(err):
        code = main(["--home", str(home), *(a if isinstance(a, str) else str(a) for a in args)])
    return Result(code, out.getvalue(), err.getvalue())


def refused(home: Path, *args: object) -> Result:
    """Run a command that must be refused as bad input: exit 2, one line, no traceback."""
    result = run(home, *args)
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    return result


@dataclass(frozen=True)
class Holdings:
    items: int
    audit_entries: int
    stored: frozenset[str]  # every file under store/, temporary ones included


def holdings(home: Path) -> Holdings:
    conn = sqlite3.connect(home / "catalog.sqlite")
    try:
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        audit = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()
    stored = frozenset(str(p.relative_to(home)) for p in (home / "store").rglob("*") if p.is_file())
    return Holdings(items, audit, stored)


def last_filing(home: Path) -> dict:
    """The detail of the newest `file` entry in the audit trail."""
    import json

    conn = sqlite3.connect(home / "catalog.sqlite")
    try:
        row = conn.execute(
            "SELECT detail FROM audit WHERE action = 'file' ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return json.loads(row[0])
