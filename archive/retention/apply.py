"""Applying the retention schedule to the catalog.

The schedule is files (`retention_rules/`); the catalog keeps a copy of it as last applied
(`categories`) and its digest. When the files change (a category's period goes from D10
to D30, say), the due dates of the items it covers are recomputed once, in one transaction
with an audit entry listing what moved. Archival codes never change: the period in an
item's code is the one it was filed under.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from archive import audit, catalog, states
from archive.errors import BadInput
from archive.items import DISPOSED, TRANSFERRED
from archive.retention.rules import Rule, Schedule, due_date

DIGEST_KEY = "schedule_digest"


@dataclass(frozen=True)
class Moved:
    """An item whose due date a change of the schedule moved."""

    item_id: str
    archive_code: str
    category: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "archive_code": self.archive_code,
            "category": self.category,
            "before": self.before,
            "after": self.after,
        }


def sync(conn: sqlite3.Connection, schedule: Schedule, actor: str) -> list[Moved]:
    """Bring the catalog in line with `schedule` if it changed since last applied; the
    items whose due date moved (none when nothing changed)."""
    if _applied_digest(conn) == schedule.digest:
        return []
    with catalog.write(conn):
        if _applied_digest(conn) == schedule.digest:  # another process got here first
            return []
        before = {
            row["code"]: row["retention"]
            for row in conn.execute("SELECT code, retention FROM categories")
        }
        changed = [
            rule
            for rule in schedule.rules
            if before.get(rule.code, rule.retention) != rule.retention
        ]
        moved = [m for rule in changed for m in _recompute(conn, rule)]
        assigned = _assign_uncategorised(conn, schedule)
        _store(conn, schedule)
        if (before and changed) or assigned:
            touched = [states.item(m.item_id) for m in moved] + [states.item(i) for i in assigned]
            audit.append(
                conn,
                actor,
                "schedule",
                None,
                {
                    "digest": schedule.digest,
                    "changed": [
                        {"code": r.code, "from": before[r.code], "to": r.retention} for r in changed
                    ],
                    "moved": [m.archive_code for m in moved],
                    "assigned": len(assigned),
                },
                touched,
            )
        return moved


def due_for(item_date: str, retention: str, extended_years: int = 0) -> str | None:
    """An item's due date (ISO), from its date, period and any extension on review."""
    due = due_date(date.fromisoformat(item_date), retention)
    if due is None:
        return None
    return due.replace(year=due.year + extended_years).isoformat()


def extension(conn: sqlite3.Connection, item_id: str) -> int:
    """The years a review has added to an item's period."""
    row = conn.execute(
        "SELECT years FROM reviews WHERE item_id = ? AND decision = 'extend'", (item_id,)
    ).fetchone()
    return int(row["years"]) if row else 0


def _recompute(conn: sqlite3.Connection, rule: Rule) -> list[Moved]:
    moved = []
    rows = conn.execute(
        "SELECT id, archive_code, date, due FROM items WHERE category = ? "
        "AND retention_override = 0 AND status NOT IN (?, ?)",
        (rule.code, DISPOSED, TRANSFERRED),
    ).fetchall()
    for row in rows:
        after = due_for(row["date"], rule.retention, extension(conn, row["id"]))
        if after != row["due"]:
            _require_intact(conn, row["id"], row["archive_code"])
            conn.execute("UPDATE items SET due = ? WHERE id = ?", (after, row["id"]))
            moved.append(Moved(row["id"], row["archive_code"], rule.code, row["due"], after))
    return moved


def _require_intact(conn: sqlite3.Connection, item_id: str, code: str) -> None:
    """A due date is only recomputed from a category the audit trail vouches for (in a
    trail not yet authenticated there is nothing to check against)."""
    if audit.authenticated(conn):
        states.require_intact(conn, audit.key_of(conn), states.item(item_id), code)


def _assign_uncategorised(conn: sqlite3.Connection, schedule: Schedule) -> list[str]:
    """Give items filed before categories existed the category that matches them; the
    period they were filed under stays theirs (recorded as an override if it differs)."""
    assigned = []
    rows = conn.execute(
        "SELECT id, kind, template, dept, date, retention FROM items "
        "WHERE category IS NULL AND status NOT IN (?, ?)",
        (DISPOSED, TRANSFERRED),
    ).fetchall()
    for row in rows:
        try:
            rule = schedule.match(row["kind"], row["template"], row["dept"])
        except BadInput:
            continue  # `bureau retention check` lists these
        conn.execute(
            "UPDATE items SET category = ?, due = ?, retention_override = ? WHERE id = ?",
            (
                rule.code,
                due_for(row["date"], row["retention"]),
                int(row["retention"] != rule.retention),
                row["id"],
            ),
        )
        assigned.append(row["id"])
    return assigned


def _store(conn: sqlite3.Connection, schedule: Schedule) -> None:
    conn.execute("DELETE FROM categories")
    conn.executemany(
        "INSERT INTO categories (code, retention, action, title) VALUES (?, ?, ?, ?)",
        [(r.code, r.retention, r.action, r.title) for r in schedule.rules],
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (DIGEST_KEY, schedule.digest),
    )


def _applied_digest(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DIGEST_KEY,)).fetchone()
    return row[0] if row else None
