"""The web server's sessions as catalog rows (table `web_sessions`, migration 9).

Kept in the catalog, not in a server's memory, so that several servers behind one load
balancer share them (a visitor's next request may reach another server) and a restart signs
nobody out. A row holds only a hash of the cookie's token, so the table itself lets nobody
in; what a session may do is decided in bureau/services/websessions.py.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from archive import catalog


@dataclass(frozen=True)
class SessionRow:
    key: str  # SHA-256 of the cookie's token
    csrf: str
    lang: str
    user_name: str | None
    role: str | None
    stamp: str | None
    flashes: tuple[str, ...]
    seen: int  # seconds since the epoch: servers share it, so it is wall-clock time


def put(conn: sqlite3.Connection, row: SessionRow) -> None:
    """Insert or replace the session `row`."""
    with catalog.write(conn):
        conn.execute("DELETE FROM web_sessions WHERE key = ?", (row.key,))
        conn.execute(
            "INSERT INTO web_sessions (key, csrf, lang, user_name, role, stamp, flashes, seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.key,
                row.csrf,
                row.lang,
                row.user_name,
                row.role,
                row.stamp,
                json.dumps(list(row.flashes)),
                row.seen,
            ),
        )


def get(conn: sqlite3.Connection, key: str) -> SessionRow | None:
    found = conn.execute(
        "SELECT key, csrf, lang, user_name, role, stamp, flashes, seen FROM web_sessions "
        "WHERE key = ?",
        (key,),
    ).fetchone()
    if found is None:
        return None
    return SessionRow(
        key=found["key"],
        csrf=found["csrf"],
        lang=found["lang"],
        user_name=found["user_name"],
        role=found["role"],
        stamp=found["stamp"],
        flashes=tuple(json.loads(found["flashes"])),
        seen=int(found["seen"]),
    )


def touch(conn: sqlite3.Connection, key: str, seen: int) -> None:
    with catalog.write(conn):
        conn.execute("UPDATE web_sessions SET seen = ? WHERE key = ?", (seen, key))


def delete(conn: sqlite3.Connection, key: str) -> None:
    with catalog.write(conn):
        conn.execute("DELETE FROM web_sessions WHERE key = ?", (key,))


def delete_user(conn: sqlite3.Connection, user_name: str, keep: str | None) -> int:
    """End every session of `user_name` but the one whose key is `keep`; how many ended."""
    with catalog.write(conn):
        cursor = conn.execute(
            "DELETE FROM web_sessions WHERE user_name = ? AND key <> ?", (user_name, keep or "")
        )
        return cursor.rowcount


def purge(conn: sqlite3.Connection, seen_before: int, keep_at_most: int) -> int:
    """Remove sessions idle since before `seen_before`, then the least recently seen
    anonymous ones beyond `keep_at_most` sessions in all; how many were removed."""
    with catalog.write(conn):
        removed = conn.execute("DELETE FROM web_sessions WHERE seen < ?", (seen_before,)).rowcount
        over = conn.execute("SELECT COUNT(*) FROM web_sessions").fetchone()[0] - keep_at_most
        if over > 0:
            removed += conn.execute(
                "DELETE FROM web_sessions WHERE key IN (SELECT key FROM web_sessions "
                "WHERE user_name IS NULL ORDER BY seen LIMIT ?)",
                (over,),
            ).rowcount
        return removed
