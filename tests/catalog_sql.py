"""SQL run on a home's catalog behind the program's back (as an intruder or a damaged disk
would change it), wherever the home keeps it: its catalog.sqlite, or PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from archive import config
from archive.backends import EMBEDDED_CATALOG


def rows(root: Path, query: str, *params: object) -> list[tuple]:
    """The rows of one query on the catalog of the home at `root`, as tuples (read-only;
    waits up to 5 s for a writer of an embedded catalog, as a reader beside a running
    command does)."""
    setting = config.load(root / "config.yaml").catalog
    if setting == EMBEDDED_CATALOG:
        path = root / "catalog.sqlite"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(query, params).fetchall()
    from archive import pgcatalog

    with closing(pgcatalog.connect(setting)) as conn:
        return [tuple(r) for r in conn.execute(query, params).fetchall()]


def execute(root: Path, statement: str, *params: object) -> None:
    """Run one statement on the catalog of the home at `root`, committed at once."""
    setting = config.load(root / "config.yaml").catalog
    if setting == EMBEDDED_CATALOG:
        with closing(sqlite3.connect(root / "catalog.sqlite")) as conn:
            conn.execute(statement, params)
            conn.commit()
        return
    from archive import pgcatalog

    with closing(pgcatalog.connect(setting)) as conn:
        conn.execute(statement, params)
