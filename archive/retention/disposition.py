"""What is due, and what stops or decides it: the due report, holds and reviews.

A hold (an audit, litigation, an inquiry) suspends an item's disposition until released;
holds stack, and each is released on its own record in the audit trail. A review is the
decision an archivist takes on an item whose category ends in `review`: keep it longer
(`extend`) or let it be disposed of (`dispose`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from archive import audit, catalog, items
from archive.errors import BadInput
from archive.items import DISPOSED, TRANSFERRED, Item
from archive.retention.apply import due_for, extension

ACTIVE = ("filed", "superseded")  # statuses whose items are still held by the archive
MAX_EXTENSION = 100


@dataclass(frozen=True)
class Due:
    """An item past its due date, with what its category says to do."""

    item: Item
    action: str | None  # None if its category is no longer in the schedule
    reviewed: str | None  # the review decision, if any

    def to_json(self) -> dict[str, Any]:
        return self.item.to_json() | {"action": self.action, "review": self.reviewed}


def due_items(conn: sqlite3.Connection, as_of: date) -> list[Due]:
    """Items due on or before `as_of` and still held (disposed or transferred ones are not)."""
    rows = conn.execute(
        f"SELECT {items.ITEM_COLUMNS} FROM items WHERE due IS NOT NULL AND due <= ? "
        f"AND status IN ({','.join('?' * len(ACTIVE))}) ORDER BY due, archive_code",
        (as_of.isoformat(), *ACTIVE),
    ).fetchall()
    actions = {r["code"]: r["action"] for r in conn.execute("SELECT code, action FROM categories")}
    decisions = {r["item_id"]: r["decision"] for r in conn.execute("SELECT * FROM reviews")}
    return [
        Due(item, actions.get(item.category or ""), decisions.get(item.id))
        for item in items.load(conn, rows)
    ]


def hold(conn: sqlite3.Connection, item: Item, reason: str, actor: str, now: datetime) -> int:
    """Place a hold on `item`; its id."""
    _require_held_by_archive(item, "put on hold")
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput("a hold needs a reason: --reason 'audit of 2025 accounts'")
    if len(reason) > 500:
        raise BadInput("the reason is longer than 500 characters")
    with catalog.write(conn):
        hold_id = conn.execute(
            "INSERT INTO holds (item_id, reason, placed_by, placed_at) VALUES (?, ?, ?, ?) "
            "RETURNING id",
            (item.id, reason, actor, now.isoformat(timespec="seconds")),
        ).fetchone()[0]
        audit.append(
            conn,
            actor,
            "hold",
            item.id,
            {"archive_code": item.archive_code, "hold": hold_id, "reason": reason},
        )
    return int(hold_id)


def release(conn: sqlite3.Connection, item: Item, actor: str, now: datetime) -> int:
    """Release every hold on `item`; how many there were (BadInput if none)."""
    with catalog.write(conn):
        released = conn.execute(
            "UPDATE holds SET released_by = ?, released_at = ? "
            "WHERE item_id = ? AND released_at IS NULL RETURNING id",
            (actor, now.isoformat(timespec="seconds"), item.id),
        ).fetchall()
        if not released:
            raise BadInput(f"{item.archive_code} is not on hold")
        audit.append(
            conn,
            actor,
            "release",
            item.id,
            {"archive_code": item.archive_code, "holds": [r[0] for r in released]},
        )
    return len(released)


def review(
    conn: sqlite3.Connection,
    item: Item,
    action: str | None,
    extend_years: int | None,
    dispose: bool,
    actor: str,
    now: datetime,
) -> Item:
    """Record the review decision on an item whose category ends in `review`."""
    _require_held_by_archive(item, "review")
    if (extend_years is None) == (not dispose):
        raise BadInput("give either --extend YEARS or --dispose")
    if action != "review":
        raise BadInput(
            f"{item.archive_code} is in category {item.category}, which ends in "
            f"{action or 'no action'}, not review"
        )
    if item.due is None or item.due > now.date().isoformat():
        raise BadInput(f"{item.archive_code} is not due for review (due {item.due or 'never'})")
    if extend_years is not None and not 1 <= extend_years <= MAX_EXTENSION:
        raise BadInput(f"--extend takes 1 to {MAX_EXTENSION} years")
    decided_at = now.isoformat(timespec="seconds")
    with catalog.write(conn):
        if dispose:
            conn.execute(
                "INSERT INTO reviews (item_id, decision, years, decided_by, decided_at) "
                "VALUES (?, 'dispose', NULL, ?, ?) ON CONFLICT(item_id) DO UPDATE SET "
                "decision = 'dispose', years = NULL, decided_by = excluded.decided_by, "
                "decided_at = excluded.decided_at",
                (item.id, actor, decided_at),
            )
            detail: dict[str, Any] = {"decision": "dispose"}
        else:
            years = extension(conn, item.id) + (extend_years or 0)
            period = item.retention if item.retention_override else _period(conn, item)
            due = due_for(item.date, period, years)
            conn.execute(
                "INSERT INTO reviews (item_id, decision, years, decided_by, decided_at) "
                "VALUES (?, 'extend', ?, ?, ?) ON CONFLICT(item_id) DO UPDATE SET "
                "decision = 'extend', years = excluded.years, decided_by = excluded.decided_by, "
                "decided_at = excluded.decided_at",
                (item.id, years, actor, decided_at),
            )
            conn.execute("UPDATE items SET due = ? WHERE id = ?", (due, item.id))
            detail = {"decision": "extend", "years": extend_years, "due": due}
        audit.append(conn, actor, "review", item.id, {"archive_code": item.archive_code, **detail})
        row = conn.execute(f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id = ?", (item.id,))
        return items.load(conn, row.fetchall())[0]


def _period(conn: sqlite3.Connection, item: Item) -> str:
    row = conn.execute(
        "SELECT retention FROM categories WHERE code = ?", (item.category,)
    ).fetchone()
    return row["retention"] if row else item.retention


def _require_held_by_archive(item: Item, what: str) -> None:
    if item.status in (DISPOSED, TRANSFERRED):
        raise BadInput(f"{item.archive_code} was {item.status}: there is nothing to {what}")
