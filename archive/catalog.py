"""The catalog: one SQLite database (WAL) holding items, files, sequences and the audit trail.

Several processes use it at once (secretaries filing, the watcher, an auditor). Writers take
the write lock up front (`BEGIN IMMEDIATE`) so that allocating an item number and inserting
the item are one atomic step; readers never block writers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.backends import EMBEDDED_CATALOG
from archive.errors import HomeError
from archive.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)
BUSY_TIMEOUT_MS = 60_000


class Catalog(sqlite3.Connection):
    """A catalog connection that knows where the audit trail's key comes from.

    `audit_key` is set by whoever opened the home with the passphrase at hand (`Archive`,
    a restore): a callable returning the 32-byte key, unlocking the master key ring on first
    use. `audit.append` asks it, so no caller has to pass the key along.
    """

    audit_key: Callable[[], bytes] | None = None
    trail_ready: bool = False  # the trail was found authenticated, nothing deferred


def connect(path: Path) -> Catalog:
    """Open the catalog in autocommit mode; transactions are explicit (`write`)."""
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=Catalog
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")  # a changed title leaves no old bytes behind
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction holding the lock from its first statement; rolled back on error.
    On PostgreSQL the same statement takes the one global writer lock (archive/pgcatalog.py),
    so writers are serialized across processes and servers as SQLite serializes them."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def create(path: Path) -> Catalog:
    """A new catalog at the current schema version, in WAL mode."""
    conn = connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn)
    return conn


def relax_durability(conn: Catalog) -> None:
    """Let this connection's commits skip the wait for the disk (a power cut may lose the
    last of them, never the catalog's consistency): for a server's sessions and sign-in
    throttle, which are rewritten all day and worth less than a request's latency. Other
    connections' commits stay durable."""
    if isinstance(conn, sqlite3.Connection):
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        conn.execute("SET synchronous_commit = off")


def open_setting(setting: str, sqlite_path: Path) -> Catalog:
    """The catalog a home's `catalog` setting names: its own SQLite file, or PostgreSQL."""
    if setting == EMBEDDED_CATALOG:
        return connect(sqlite_path)
    from archive import pgcatalog

    return pgcatalog.connect(setting)


def create_setting(setting: str, sqlite_path: Path) -> Catalog:
    """A new catalog where the setting says; a PostgreSQL database that already holds a
    catalog is refused (a second server copies the home instead of making one)."""
    if setting == EMBEDDED_CATALOG:
        return create(sqlite_path)
    from archive import pgcatalog

    return pgcatalog.create(setting)


def schema_version(conn: sqlite3.Connection) -> int:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the migrations a catalog lacks, each in its own transaction; returns those applied.

    A catalog written by a newer program is refused rather than touched. A catalog already
    at `target` (every open but the first after an upgrade) is found so without the writer
    lock, so that opening a home never waits for, or holds up, the writers of any server.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise _newer(current)
    if current >= target:
        return []
    applied = []
    while True:
        with write(conn):
            current = schema_version(conn)
            if current > SCHEMA_VERSION:
                raise _newer(current)
            if current >= target:
                return applied
            for statement in MIGRATIONS[current]:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(current + 1),),
            )
            applied.append(current + 1)


def _newer(current: int) -> HomeError:
    return HomeError(
        f"this data home has catalog schema {current}, newer than this program "
        f"understands ({SCHEMA_VERSION}): upgrade the program"
    )
