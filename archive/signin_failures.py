"""Failed sign-ins counted for the web server's throttle (table `signin_failures`).

In the catalog, so that every server on one archive counts the same failures (a guesser
spread over several servers, or waiting for a restart, gains nothing). The audit trail
records each failure too; this table is only the throttle's working set and keeps rows no
longer than the throttle's window.
"""

from __future__ import annotations

import sqlite3

from archive import catalog


def add(conn: sqlite3.Connection, keys: tuple[str, ...], at: int, forget_before: int) -> None:
    """Record one failure under each of `keys`, and forget failures older than the window."""
    with catalog.write(conn):
        conn.execute("DELETE FROM signin_failures WHERE at < ?", (forget_before,))
        for key in keys:
            conn.execute("INSERT INTO signin_failures (key, at) VALUES (?, ?)", (key, at))


def latest(conn: sqlite3.Connection, key: str, since: int, limit: int) -> list[int]:
    """The times of `key`'s failures from `since` on, newest first, at most `limit`."""
    rows = conn.execute(
        "SELECT at FROM signin_failures WHERE key = ? AND at >= ? ORDER BY at DESC LIMIT ?",
        (key, since, limit),
    ).fetchall()
    return [int(r[0]) for r in rows]
