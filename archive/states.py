"""Subjects' states: a digest of every catalog fact about an item, a user or a disposal list.

The audit trail records, in the entry that made a change, the digest of each touched
subject's full state after it. The catalog can then be checked against the trail: a row
changed outside the program no longer has the digest the trail says it should have.

A subject is named `item:ID`, `user:NAME` or `list:ID`. Its state is canonical JSON
(sorted keys, no spaces) of the rows that make it up, as stored: an encrypted item's
title and file names are hashed as ciphertext, so no plaintext reaches the trail. The
columns are listed here, not taken with `*`: a later migration adding a column must not
change every digest; it adds the column to the state deliberately (and says so).

`states` (derived, one row per subject) holds the newest recorded digest with a MAC, so an
access check costs one lookup instead of a walk of the trail.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from archive import crypto
from archive.errors import IntegrityError

ITEM, USER, LIST = "item:", "user:", "list:"
ABSENT = "absent"  # the digest of a subject that has no row (e.g. a deleted user)

ITEM_FIELDS = (
    "id, archive_code, fonds, year, retention, dept, item_no, kind, title, date, "
    "classification, doc_no, template, sha256, supersedes, status, filed_at, filed_by, "
    "sealed, encrypted, declassify_on, category, due, retention_override, disposal_list, "
    "disposed_at"
)
FILE_FIELDS = (
    "seq, role, rendition, official, name, media_type, size, sha256, stored_sha256, stored_size"
)
HOLD_FIELDS = "id, reason, placed_by, placed_at"
REVIEW_FIELDS = "decision, years, decided_by, decided_at"
USER_FIELDS = "name, role, clearance, dept, enabled, created_at, created_by"
LIST_FIELDS = (
    "id, as_of, status, proposed_by, proposed_at, approved_by, approved_at, executed_by, "
    "executed_at, register_item"
)


class TamperedState(IntegrityError):
    """A subject's catalog rows differ from what the audit trail recorded for it."""


def item(item_id: str) -> str:
    return ITEM + item_id


def user(name: str) -> str:
    return USER + name


def disposal_list(list_id: str) -> str:
    return LIST + list_id


def state(conn: sqlite3.Connection, subject: str) -> dict[str, Any] | None:
    """The rows that make up `subject` (None if it has none)."""
    kind, _, name = subject.partition(":")
    if kind == "item":
        row = conn.execute(f"SELECT {ITEM_FIELDS} FROM items WHERE id = ?", (name,)).fetchone()
        if row is None:
            return None
        return {
            "item": _plain(row),
            "files": _rows(
                conn, f"SELECT {FILE_FIELDS} FROM files WHERE item_id = ? ORDER BY seq", name
            ),
            "holds": _rows(
                conn,
                f"SELECT {HOLD_FIELDS} FROM holds WHERE item_id = ? AND released_at IS NULL "
                "ORDER BY id",
                name,
            ),
            "review": _rows(conn, f"SELECT {REVIEW_FIELDS} FROM reviews WHERE item_id = ?", name),
        }
    if kind == "user":
        row = conn.execute(
            f"SELECT {USER_FIELDS}, password_hash, display_name FROM users WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        found: dict[str, Any] = {"user": {k: row[k] for k in USER_FIELDS.split(", ")}}
        if row["password_hash"] is not None:  # added by migration 7, only once one is set
            found["password"] = row["password_hash"]
        if row["display_name"] is not None:  # added by migration 8, only once one is given
            found["display_name"] = row["display_name"]
        return found
    if kind == "list":
        row = conn.execute(
            f"SELECT {LIST_FIELDS} FROM disposal_lists WHERE id = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return {
            "list": _plain(row),
            "items": _rows(
                conn,
                "SELECT item_id, done FROM disposal_items WHERE list_id = ? ORDER BY item_id",
                name,
            ),
        }
    return None  # no such kind of subject (a damaged trail names one): nothing holds it


def digest(conn: sqlite3.Connection, subject: str) -> str:
    """SHA-256 of the subject's canonical state (ABSENT if it has no row)."""
    found = state(conn, subject)
    if found is None:
        return ABSENT
    text = json.dumps(found, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def subjects(conn: sqlite3.Connection) -> Iterator[str]:
    """Every subject the catalog holds, in a stable order."""
    for (item_id,) in conn.execute("SELECT id FROM items ORDER BY id"):
        yield item(item_id)
    for (name,) in conn.execute("SELECT name FROM users ORDER BY name"):
        yield user(name)
    for (list_id,) in conn.execute("SELECT id FROM disposal_lists ORDER BY id"):
        yield disposal_list(list_id)


def state_mac(key: bytes, subject: str, seq: int, value: str) -> str:
    return crypto.mac(key, _message("state", subject, seq, value))


def record(conn: sqlite3.Connection, key: bytes, seq: int, digests: dict[str, str]) -> None:
    """Make `digests` (recorded by audit entry `seq`) the subjects' newest known states."""
    conn.executemany(
        "INSERT INTO states (subject, seq, digest, mac) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(subject) DO UPDATE SET seq = excluded.seq, digest = excluded.digest, "
        "mac = excluded.mac",
        [(s, seq, d, state_mac(key, s, seq, d)) for s, d in digests.items()],
    )


def require_intact(
    conn: sqlite3.Connection, key: bytes, subject: str, name: str | None = None
) -> None:
    """Refuse (TamperedState) unless `subject`'s rows are exactly what the trail recorded.

    Called before an access decision or a change relies on the catalog: a classification,
    a clearance or a hold changed outside the program is refused, never obeyed. `name` is
    how the subject is named in the message (an archival code, a user name; by default
    the item's archival code).
    """
    if name is None:
        found = conn.execute(
            "SELECT archive_code FROM items WHERE id = ?", (subject.partition(":")[2],)
        ).fetchone()
        name = found[0] if found else subject
    row = conn.execute(
        "SELECT seq, digest, mac FROM states WHERE subject = ?", (subject,)
    ).fetchone()
    if row is None:
        raise TamperedState(
            f"{name}: not recorded in the audit trail (added outside the program): refused"
        )
    expected = state_mac(key, subject, row["seq"], row["digest"])
    if not crypto.equal(expected, row["mac"]):
        raise TamperedState(
            f"{name}: its record in the audit trail's state table was altered: refused"
        )
    if digest(conn, subject) != row["digest"]:
        raise TamperedState(
            f"{name}: its catalog record differs from the audit trail (changed outside the "
            "program): refused"
        )


def _message(domain: str, *parts: object) -> bytes:
    return "\x1f".join([domain, *map(str, parts)]).encode("utf-8")


def _plain(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a mapping


def _rows(conn: sqlite3.Connection, sql: str, key: str) -> list[dict[str, Any]]:
    return [_plain(r) for r in conn.execute(sql, (key,))]
