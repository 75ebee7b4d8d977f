"""Disposal lists: proposed by one person, approved by another administrator, executed.

Executing a list turns each item into a tombstone, one item per transaction: its files'
catalog rows and (when no other item shares them) its stored files are removed, an
encrypted item's data key is destroyed with its title, and the catalog keeps what a
destruction register records (archival code, document number, category, dates, who
proposed and approved). Interrupted at any moment and run again, execution finishes the
items not yet done and never disposes of one twice: an item is done exactly when its
tombstone is committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from archive import audit, catalog, items, states
from archive.errors import BadInput, NotFound
from archive.items import DISPOSED, Item
from archive.retention.disposition import ACTIVE
from archive.store import Store

CLASSIFIED_TITLE = "[classified]"
OPEN = ("proposed", "approved", "executing")


@dataclass
class DisposalList:
    id: str
    as_of: str
    status: str
    proposed_by: str
    proposed_at: str
    approved_by: str | None = None
    approved_at: str | None = None
    executed_by: str | None = None
    executed_at: str | None = None
    register_item: str | None = None
    items: list[Item] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "as_of": self.as_of,
            "status": self.status,
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "executed_by": self.executed_by,
            "executed_at": self.executed_at,
            "register_item": self.register_item,
            "items": [i.to_json() for i in self.items],
        }


def eligible(conn: sqlite3.Connection, as_of: date) -> list[Item]:
    """Items due by `as_of` whose category ends in destroy (or reviewed for disposal), not
    permanent, not on hold and not on another open list."""
    rows = conn.execute(
        f"""SELECT {items.ITEM_COLUMNS} FROM items i
        WHERE due IS NOT NULL AND due <= ? AND status IN ({",".join("?" * len(ACTIVE))})
          AND retention != 'Y'
          AND (category IN (SELECT code FROM categories WHERE action = 'destroy')
               OR id IN (SELECT item_id FROM reviews WHERE decision = 'dispose'))
          AND id NOT IN (SELECT item_id FROM holds WHERE released_at IS NULL)
          AND id NOT IN (SELECT d.item_id FROM disposal_items d JOIN disposal_lists l
                         ON l.id = d.list_id WHERE l.status IN ({",".join("?" * len(OPEN))}))
        ORDER BY due, archive_code""",
        (as_of.isoformat(), *ACTIVE, *OPEN),
    ).fetchall()
    return items.load(conn, rows)


def propose(
    conn: sqlite3.Connection,
    as_of: date,
    actor: str,
    now: datetime,
    include: Callable[[Item], bool] = lambda item: True,
) -> DisposalList | None:
    """A new list of every eligible item that `include` admits (the proposer may see), or
    None if there is none."""
    with catalog.write(conn):
        found = [i for i in eligible(conn, as_of) if include(i)]
        if not found:
            return None
        list_id = items.new_id()
        conn.execute(
            "INSERT INTO disposal_lists (id, as_of, status, proposed_by, proposed_at) "
            "VALUES (?, ?, 'proposed', ?, ?)",
            (list_id, as_of.isoformat(), actor, now.isoformat(timespec="seconds")),
        )
        conn.executemany(
            "INSERT INTO disposal_items (list_id, item_id) VALUES (?, ?)",
            [(list_id, i.id) for i in found],
        )
        audit.append(
            conn,
            actor,
            "dispose_propose",
            None,
            {"list": list_id, "as_of": as_of.isoformat(), "items": [i.archive_code for i in found]},
            [states.disposal_list(list_id)],
        )
    return load(conn, list_id)


def approve(conn: sqlite3.Connection, list_id: str, actor: str, now: datetime) -> DisposalList:
    """Approve a proposed list: by an administrator other than the proposer."""
    with catalog.write(conn):
        found = load(conn, list_id)
        if found.status != "proposed":
            raise BadInput(f"disposal list {list_id} is {found.status}, not proposed")
        if found.proposed_by == actor:
            raise BadInput(
                f"disposal list {list_id} was proposed by {actor}: another administrator "
                "must approve it (two-person rule)"
            )
        _refuse_held(conn, found)
        conn.execute(
            "UPDATE disposal_lists SET status = 'approved', approved_by = ?, approved_at = ? "
            "WHERE id = ?",
            (actor, now.isoformat(timespec="seconds"), list_id),
        )
        audit.append(
            conn, actor, "dispose_approve", None, {"list": list_id}, [states.disposal_list(list_id)]
        )
    return load(conn, list_id)


def cancel(conn: sqlite3.Connection, list_id: str, actor: str) -> DisposalList:
    """Withdraw a list not yet executed; its items may be proposed again."""
    with catalog.write(conn):
        found = load(conn, list_id)
        if found.status not in ("proposed", "approved"):
            raise BadInput(f"disposal list {list_id} is {found.status}: it cannot be cancelled")
        conn.execute("UPDATE disposal_lists SET status = 'cancelled' WHERE id = ?", (list_id,))
        audit.append(
            conn, actor, "dispose_cancel", None, {"list": list_id}, [states.disposal_list(list_id)]
        )
    return load(conn, list_id)


def begin(conn: sqlite3.Connection, list_id: str, actor: str) -> DisposalList:
    """Start (or resume) executing an approved list; BadInput if it may not run."""
    with catalog.write(conn):
        found = load(conn, list_id)
        if found.status in ("proposed", "cancelled"):
            raise BadInput(
                f"disposal list {list_id} is {found.status}: it must be approved by an "
                "administrator other than its proposer before it is executed"
            )
        if found.status == "executed":
            return found
        _refuse_held(conn, found)
        if found.status == "approved":
            conn.execute(
                "UPDATE disposal_lists SET status = 'executing', executed_by = ? WHERE id = ?",
                (actor, list_id),
            )
            audit.append(
                conn,
                actor,
                "dispose_execute",
                None,
                {"list": list_id},
                [states.disposal_list(list_id)],
            )
    return load(conn, list_id)


def pending(conn: sqlite3.Connection, list_id: str) -> list[str]:
    """The items of a list not yet disposed of."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT item_id FROM disposal_items WHERE list_id = ? AND done = 0 ORDER BY item_id",
            (list_id,),
        )
    ]


def dispose_item(
    conn: sqlite3.Connection,
    store: Store,
    found: DisposalList,
    item_id: str,
    actor: str,
    now: datetime,
) -> None:
    """Make one item of an executing list a tombstone (a no-op if it already is)."""
    with catalog.write(conn):
        row = conn.execute(
            "SELECT done FROM disposal_items WHERE list_id = ? AND item_id = ?",
            (found.id, item_id),
        ).fetchone()
        if row is None or row["done"]:
            return
        detail = {"proposed_by": found.proposed_by, "approved_by": found.approved_by}
        conn.execute(  # before the entry, which records the list's state with it
            "UPDATE disposal_items SET done = 1 WHERE list_id = ? AND item_id = ?",
            (found.id, item_id),
        )
        tombstone(conn, store, item_id, found.id, actor, now, detail)


def tombstone(
    conn: sqlite3.Connection,
    store: Store,
    item_id: str,
    list_id: str | None,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    """Within a write transaction: remove an item's files and key, keep its record, and
    write the `dispose` audit entry that tells a disposed item from a missing one."""
    rows = conn.execute(f"SELECT {items.ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,))
    item = items.load(conn, rows.fetchall())[0]
    blobs = {f.stored_sha256 for f in item.files}
    conn.execute("DELETE FROM files WHERE item_id = ?", (item_id,))
    conn.execute("DELETE FROM item_keys WHERE item_id = ?", (item_id,))
    conn.execute(
        "UPDATE items SET status = ?, disposal_list = ?, disposed_at = ?, "
        "title = CASE WHEN encrypted = 1 THEN ? ELSE title END WHERE id = ?",
        (DISPOSED, list_id, now.isoformat(timespec="seconds"), CLASSIFIED_TITLE, item_id),
    )
    audit.append(
        conn,
        actor,
        "dispose",
        item_id,
        {
            "list": list_id,
            "archive_code": item.archive_code,
            "doc_no": item.doc_no,
            "category": item.category,
            "encrypted": item.encrypted,
            "files": sorted(blobs),
            **detail,
        },
        [states.disposal_list(list_id)] if list_id else [],
    )
    for sha in blobs:  # under the write lock: no filing can take up a blob being removed
        if not conn.execute("SELECT 1 FROM files WHERE stored_sha256 = ?", (sha,)).fetchone():
            store.remove(sha)


def finish(
    conn: sqlite3.Connection, list_id: str, register_item: str | None, actor: str, now: datetime
) -> DisposalList:
    """Mark an executing list executed once every item is done and its register filed."""
    with catalog.write(conn):
        if pending(conn, list_id):
            raise BadInput(f"disposal list {list_id} still has items to dispose of")
        conn.execute(
            "UPDATE disposal_lists SET status = 'executed', executed_at = ?, register_item = ? "
            "WHERE id = ?",
            (now.isoformat(timespec="seconds"), register_item, list_id),
        )
        audit.append(
            conn,
            actor,
            "dispose_done",
            None,
            {"list": list_id, "register": register_item},
            [states.disposal_list(list_id)],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no page of a destroyed key stays in the log
    return load(conn, list_id)


def load(conn: sqlite3.Connection, list_id: str) -> DisposalList:
    row = conn.execute("SELECT * FROM disposal_lists WHERE id = ?", (list_id,)).fetchone()
    if row is None:
        raise NotFound(f"no disposal list {list_id!r}: `bureau retention lists` shows them")
    rows = conn.execute(
        f"SELECT {', '.join('i.' + f for f in items.ITEM_FIELDS)} FROM items i "
        "JOIN disposal_items d ON d.item_id = i.id WHERE d.list_id = ? ORDER BY i.archive_code",
        (list_id,),
    ).fetchall()
    return DisposalList(**dict(row), items=items.load(conn, rows))


def lists(conn: sqlite3.Connection) -> list[DisposalList]:
    ids = [r[0] for r in conn.execute("SELECT id FROM disposal_lists ORDER BY proposed_at, id")]
    return [load(conn, i) for i in ids]


def _refuse_held(conn: sqlite3.Connection, found: DisposalList) -> None:
    held = conn.execute(
        "SELECT i.archive_code FROM holds h JOIN items i ON i.id = h.item_id "
        "JOIN disposal_items d ON d.item_id = h.item_id "
        "WHERE d.list_id = ? AND d.done = 0 AND h.released_at IS NULL ORDER BY i.archive_code",
        (found.id,),
    ).fetchall()
    if held:
        codes = ", ".join(dict.fromkeys(r[0] for r in held))
        raise BadInput(
            f"disposal list {found.id} holds items on hold: {codes}; release them "
            "(`bureau retention release REF`) or cancel the list and propose a new one"
        )
