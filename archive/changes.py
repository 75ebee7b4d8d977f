"""The change feed: which items changed since a position in the audit trail.

Every change to an item is an audit entry written in the same transaction as the change,
and audit sequence numbers are assigned under the catalog's write lock (on PostgreSQL the
one advisory writer lock every process and server takes, archive/pgcatalog.py), so they
become visible in increasing order. A reader that remembers the last sequence number it handled
(the indexer does) therefore misses nothing and can resume after a crash.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

READ_ACTIONS = frozenset({"retrieve", "read", "search"})  # entries that change nothing


@dataclass(frozen=True)
class Changes:
    item_ids: list[str]  # distinct, in order of their latest change
    last_seq: int  # the position to resume from


def since(conn: sqlite3.Connection, seq: int, limit: int = 500) -> Changes:
    """Items changed by the next `limit` audit entries after `seq`."""
    rows = conn.execute(
        "SELECT seq, action, item_id FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
        (seq, limit),
    ).fetchall()
    changed: dict[str, None] = {}
    for row in rows:
        if row["item_id"] and row["action"] not in READ_ACTIONS:
            changed.pop(row["item_id"], None)
            changed[row["item_id"]] = None
    return Changes(list(changed), rows[-1]["seq"] if rows else seq)


def head(conn: sqlite3.Connection) -> int:
    """The newest audit sequence number (0 for an empty trail)."""
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0]


def filed_with_origin(conn: sqlite3.Connection, origin: str) -> str | None:
    """The item filed with `origin` (e.g. an inbox claim), if that filing committed."""
    row = conn.execute(
        "SELECT item_id FROM audit WHERE action = 'file' AND json_extract(detail, '$.origin') = ?",
        (origin,),
    ).fetchone()
    return row["item_id"] if row else None


def filed_with_origins(conn: sqlite3.Connection, origins: list[str]) -> dict[str, str]:
    """The items filed with any of `origins` (an interrupted inbox batch's claims), by
    origin: one pass over the trail for many claims, where `filed_with_origin` makes one
    for each."""
    found: dict[str, str] = {}
    for start in range(0, len(origins), 500):
        chunk = origins[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT item_id, json_extract(detail, '$.origin') AS origin FROM audit "
            f"WHERE action = 'file' AND json_extract(detail, '$.origin') IN ({marks})",
            chunk,
        )
        found.update((row["origin"], row["item_id"]) for row in rows)
    return found
