"""The audit trail: an append-only, hash-chained log of what was done to the archive.

Each entry carries the hash of the one before it, so an edited, removed or reordered entry
breaks the chain. The newest entries could be cut off without breaking it, so the chain's
head (last sequence number and hash) is kept in a separate record, `audit_head`, written in
the same transaction as every entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    item_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "item_id": self.item_id,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def entry_hash(
    seq: int, at: str, actor: str, action: str, item_id: str | None, detail: str, prev: str
) -> str:
    """The hash that seals one entry to its predecessor."""
    payload = json.dumps(
        [seq, at, actor, action, item_id, detail, prev], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    item_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Entry:
    """Append an entry; the caller must hold a write transaction (`catalog.write`)."""
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    digest = entry_hash(seq, at, actor, action, item_id, detail_text, prev)
    conn.execute(
        "INSERT INTO audit(seq, at, actor, action, item_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, item_id, detail_text, prev, digest),
    )
    conn.execute(
        "INSERT INTO audit_head(id, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    return Entry(seq, at, actor, action, item_id, detail or {}, prev, digest)


def entries(
    conn: sqlite3.Connection, item_id: str | None = None, limit: int | None = None
) -> Iterator[Entry]:
    """Entries in order, optionally those of one item, optionally only the newest `limit`."""
    where, params = ("WHERE item_id = ?", [item_id]) if item_id else ("", [])
    if limit is not None:
        sql = f"SELECT * FROM (SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?) ORDER BY seq"
        params.append(limit)
    else:
        sql = f"SELECT * FROM audit {where} ORDER BY seq"
    for row in conn.execute(sql, params):
        yield _entry(row)


def verify_chain(conn: sqlite3.Connection) -> list[str]:
    """Every way the trail differs from an untouched chain, as readable problems."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        seq = row["seq"]
        if seq != expected_seq:
            problems.append(f"audit entries {expected_seq}–{seq - 1} are missing")
        if row["prev_hash"] != prev:
            problems.append(f"audit entry {seq} does not follow the entry before it")
        recomputed = entry_hash(
            seq,
            row["at"],
            row["actor"],
            row["action"],
            row["item_id"],
            row["detail"],
            row["prev_hash"],
        )
        if recomputed != row["hash"]:
            problems.append(f"audit entry {seq} ({row['action']}) was altered")
        expected_seq, prev = seq + 1, row["hash"]
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            problems.append("the audit trail's head record is missing")
    elif head["seq"] != last_seq or head["hash"] != prev:
        if head["seq"] > last_seq:
            problems.append(
                f"audit entries {last_seq + 1}–{head['seq']} (the newest) have been removed"
            )
        else:
            problems.append(
                f"the audit trail ends at entry {last_seq} but its head record names "
                f"entry {head['seq']}"
            )
    return problems


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        seq=row["seq"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        item_id=row["item_id"],
        detail=json.loads(row["detail"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )
