"""The audit trail: an append-only, hash-chained, authenticated log of what was done.

Each entry carries the hash of the one before it, so an edited, removed or reordered entry
breaks the chain. The chain's head (last sequence number and hash) is kept in a separate
record, `audit_head`, written in the same transaction as every entry.

A SHA-256 chain alone can be recomputed by anyone who can write the catalog, so every
entry and the head also carry a MAC keyed by the audit-trail key (derived from the master
key ring, so only a holder of the passphrase can append): `HMAC(key, "entry" ‖ seq ‖ hash)`
and `HMAC(key, "head" ‖ seq ‖ hash)`, distinct domains so that the newest surviving entry's
own MAC cannot pass for a head after the entries after it were cut off.

An entry that changes catalog facts also records, in `states`, the digest of each touched
subject's state after the change (`archive/states.py`); the digests are part of the
entry's hash. Entries written before this (schema 5 and older) keep their hash formula.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive import crypto, states
from archive.errors import IntegrityError, KeyRequired

GENESIS = "0" * 64
KEY_PURPOSE = "audit-trail"  # ring.derived(KEY_PURPOSE) keys the trail
NEEDS_KEY = (
    "this command writes to the audit trail, which needs the passphrase: "
    "set $BUREAU_PASSPHRASE (or run it at a terminal)"
)
# Entries that record a use of an item, not a change to it: they record no state.
READS = frozenset({"read", "retrieve"})
PENDING = "audit_pending"  # meta: entries waiting for the key (JSON list)
DEFERRABLE = frozenset({"upgrade", "restore"})  # the only actions that may wait for the key
AUTHENTICATE_BATCH = 500  # subjects per `audit_authenticate` entry


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
    states: dict[str, str] | None = None

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
    seq: int,
    at: str,
    actor: str,
    action: str,
    item_id: str | None,
    detail: str,
    prev: str,
    recorded: str | None = None,
) -> str:
    """The hash that seals one entry to its predecessor (and, for entries that record
    states, to those digests)."""
    fields: list[Any] = [seq, at, actor, action, item_id, detail, prev]
    if recorded is not None:
        fields.append(recorded)
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_mac(key: bytes, seq: int, digest: str) -> str:
    return crypto.mac(key, b"entry\x1f%d\x1f%s" % (seq, digest.encode("ascii")))


def head_mac(key: bytes, seq: int, digest: str) -> str:
    return crypto.mac(key, b"head\x1f%d\x1f%s" % (seq, digest.encode("ascii")))


def key_of(conn: sqlite3.Connection) -> bytes:
    """The audit-trail key from the connection's provider; KeyRequired if it has none."""
    provider = getattr(conn, "audit_key", None)
    if provider is None:
        raise KeyRequired(NEEDS_KEY)
    return provider()


def append(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    item_id: str | None = None,
    detail: dict[str, Any] | None = None,
    subjects: Iterable[str] = (),
) -> Entry:
    """Append an entry; the caller must hold a write transaction (`catalog.write`).

    The entry records the state of `item_id` (unless it is a read) and of every subject in
    `subjects` as they are now, after the change it describes. KeyRequired (nothing
    written) if the connection has no audit-trail key.
    """
    key = key_of(conn)
    make_ready(conn, key, actor)
    touched = list(dict.fromkeys(subjects))
    if item_id and action not in READS:
        touched.insert(0, states.item(item_id))
    return _append(conn, key, actor, action, item_id, detail or {}, list(dict.fromkeys(touched)))


def _append(
    conn: sqlite3.Connection,
    key: bytes,
    actor: str,
    action: str,
    item_id: str | None,
    detail: dict[str, Any],
    touched: list[str],
) -> Entry:
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    detail_text = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    digests = {s: states.digest(conn, s) for s in touched}
    recorded = json.dumps(digests, sort_keys=True, separators=(",", ":"))
    digest = entry_hash(seq, at, actor, action, item_id, detail_text, prev, recorded)
    conn.execute(
        "INSERT INTO audit(seq, at, actor, action, item_id, detail, prev_hash, hash, states, "
        "mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            at,
            actor,
            action,
            item_id,
            detail_text,
            prev,
            digest,
            recorded,
            entry_mac(key, seq, digest),
        ),
    )
    conn.execute(
        "INSERT INTO audit_head(id, seq, hash, mac) VALUES (1, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
        "mac = excluded.mac",
        (seq, digest, head_mac(key, seq, digest)),
    )
    states.record(conn, key, seq, digests)
    return Entry(seq, at, actor, action, item_id, detail, prev, digest, digests)


# -- a trail from before authentication, and entries that waited for the key -----------------


def authenticated(conn: sqlite3.Connection) -> bool:
    """Whether the trail carries MACs (an empty trail counts as authenticated).

    A trail with entries and no MAC at all is one from before authentication existed (or
    one whose every MAC was stripped): the first command with the key vouches for it.
    """
    row = conn.execute(
        "SELECT (SELECT COUNT(*) FROM audit) AS n, "
        "(SELECT COUNT(*) FROM audit WHERE mac IS NOT NULL) AS macs, "
        "(SELECT COUNT(*) FROM audit_head WHERE mac IS NOT NULL) AS head"
    ).fetchone()
    return row["n"] == 0 or bool(row["macs"] or row["head"])


def make_ready(conn: sqlite3.Connection, key: bytes, actor: str) -> None:
    """Before the first entry a connection appends: vouch for an older trail and write
    the entries that waited for the key. Checked once per connection once nothing is due."""
    if getattr(conn, "trail_ready", False):
        return
    due = False
    if not authenticated(conn):
        authenticate(conn, key, actor)
        due = True
    for waiting in _pending(conn):
        due = True
        if waiting.get("action") in DEFERRABLE:
            _append(
                conn,
                key,
                str(waiting.get("actor", "unknown")),
                str(waiting["action"]),
                None,
                {**waiting.get("detail", {}), "deferred_from": waiting.get("at")},
                [],
            )
    if due:
        conn.execute("DELETE FROM meta WHERE key = ?", (PENDING,))
    else:
        conn.trail_ready = True  # type: ignore[attr-defined]


def authenticate(conn: sqlite3.Connection, key: bytes, actor: str) -> int:
    """MAC every entry of a trail from before authentication, and record the current state
    of every subject (in `audit_authenticate` entries of bounded size).

    This vouches only for what the catalog holds at this moment. A chain already broken is
    refused (IntegrityError): it would be vouched for with its damage.
    """
    problems = verify_chain(conn)
    if problems:
        raise IntegrityError(
            f"the audit trail cannot be authenticated, it is already broken: {problems[0]}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
            + ": run `bureau audit verify`"
        )
    rows = conn.execute("SELECT seq, hash FROM audit WHERE mac IS NULL").fetchall()
    conn.executemany(
        "UPDATE audit SET mac = ? WHERE seq = ?",
        [(entry_mac(key, r["seq"], r["hash"]), r["seq"]) for r in rows],
    )
    everything = list(states.subjects(conn))
    for start in range(0, max(len(everything), 1), AUTHENTICATE_BATCH):
        chunk = everything[start : start + AUTHENTICATE_BATCH]
        _append(
            conn,
            key,
            actor,
            "audit_authenticate",
            None,
            {"entries": len(rows), "subjects": len(chunk), "of": len(everything)},
            chunk,
        )
    return len(rows)


def defer(conn: sqlite3.Connection, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Keep an entry (an upgrade, a restore) for the next command with the key, instead of
    writing it unauthenticated. Only DEFERRABLE actions, which record no state, may wait: a
    note in `meta` is not authenticated, so nothing it says is vouched for later."""
    if action not in DEFERRABLE:
        raise ValueError(f"{action} entries cannot wait for the key")
    waiting = _pending(conn)
    at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    waiting.append({"actor": actor, "action": action, "detail": detail, "at": at})
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (PENDING, json.dumps(waiting, ensure_ascii=False)),
    )
    conn.trail_ready = False  # type: ignore[attr-defined]


def _pending(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PENDING,)).fetchone()
    try:
        found = json.loads(row[0]) if row else []
    except ValueError:
        return []
    return [w for w in found if isinstance(w, dict)] if isinstance(found, list) else []


def entries(
    conn: sqlite3.Connection, item_id: str | None = None, limit: int | None = None
) -> Iterator[Entry]:
    """Entries in order, optionally those of one item, optionally only the newest `limit`."""
    where, params = ("WHERE item_id = ?", [item_id]) if item_id else ("", [])
    if limit is not None:
        sql = (
            f"SELECT * FROM (SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?) AS newest "
            "ORDER BY seq"
        )
        params.append(limit)
    else:
        sql = f"SELECT * FROM audit {where} ORDER BY seq"
    for row in conn.execute(sql, params):
        yield _entry(row)


@dataclass
class Trail:
    """What walking the whole trail found.

    `recorded` maps each subject to the newest (seq, digest) the trail records for it;
    `authenticated` is None when the MACs were not checked (no key at hand).
    """

    problems: list[str] = field(default_factory=list)
    recorded: dict[str, tuple[int, str]] = field(default_factory=dict)
    head: dict[str, Any] | None = None
    entries: int = 0
    authenticated: bool | None = None
    has_macs: bool = False


def verify_chain(conn: sqlite3.Connection) -> list[str]:
    """Every way the trail differs from an untouched chain, as readable problems (what
    can be checked without the key: the SHA-256 chain and the head record)."""
    return inspect(conn).problems


def inspect(conn: sqlite3.Connection, key: bytes | None = None) -> Trail:
    """Walk the trail: its chain, the head and, with `key`, every MAC.

    Without the key an intruder who rewrote the catalog consistently is not caught here
    (the chain can be recomputed); with it, any entry written, changed or cut off outside
    the program is.
    """
    trail = Trail()
    problems = trail.problems
    unauthenticated: list[int] = []
    expected_seq, prev = 1, GENESIS
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        seq = row["seq"]
        recorded = row["states"] if _has(row, "states") else None
        mac = row["mac"] if _has(row, "mac") else None
        trail.entries += 1
        trail.has_macs = trail.has_macs or mac is not None
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
            recorded,
        )
        if recomputed != row["hash"]:
            problems.append(f"audit entry {seq} ({row['action']}) was altered")
        if key is not None and not crypto.equal(entry_mac(key, seq, row["hash"]), mac):
            unauthenticated.append(seq)
        if recorded:
            try:
                digests = json.loads(recorded)
            except ValueError:
                digests = {}
            if isinstance(digests, dict):
                for subject, value in digests.items():
                    trail.recorded[str(subject)] = (seq, str(value))
        expected_seq, prev = seq + 1, row["hash"]
    head = conn.execute("SELECT * FROM audit_head WHERE id = 1").fetchone()
    head_mac_value = head["mac"] if head is not None and _has(head, "mac") else None
    trail.has_macs = trail.has_macs or head_mac_value is not None
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            problems.append("the audit trail's head record is missing")
    else:
        trail.head = {"seq": head["seq"], "hash": head["hash"]}
        if head["seq"] != last_seq or head["hash"] != prev:
            if head["seq"] > last_seq:
                problems.append(
                    f"audit entries {last_seq + 1}–{head['seq']} (the newest) have been removed"
                )
            else:
                problems.append(
                    f"the audit trail ends at entry {last_seq} but its head record names "
                    f"entry {head['seq']}"
                )
    if key is not None:
        trail.authenticated = _check_macs(
            conn, key, trail, unauthenticated, head, head_mac_value, last_seq
        )
    return trail


def _check_macs(
    conn: sqlite3.Connection,
    key: bytes,
    trail: Trail,
    unauthenticated: list[int],
    head: sqlite3.Row | None,
    head_mac_value: str | None,
    last_seq: int,
) -> bool:
    problems = trail.problems
    if trail.entries and not trail.has_macs:
        problems.append(
            "the audit trail has never been authenticated (a home from before authentication, "
            "or every MAC was stripped): run `bureau upgrade` with the passphrase"
        )
        return False
    before = len(problems)
    if unauthenticated:
        problems.append(
            f"{len(unauthenticated)} audit entr{'y is' if len(unauthenticated) == 1 else 'ies are'}"
            f" not authenticated (a missing or wrong MAC: written or changed outside the "
            f"program): {_ranges(unauthenticated)}"
        )
    if head is not None and not crypto.equal(
        head_mac(key, head["seq"], head["hash"]), head_mac_value
    ):
        problems.append(
            "the audit trail's head record is not authenticated (changed outside the program)"
        )
    newest = _newest_vouched(conn, key)
    if newest > last_seq:
        count = newest - last_seq
        problems.append(
            f"at least {count} audit entr{'y' if count == 1 else 'ies'} (the newest, "
            f"{last_seq + 1}–{newest}) {'is' if count == 1 else 'are'} missing"
        )
    return len(problems) == before


def _newest_vouched(conn: sqlite3.Connection, key: bytes) -> int:
    """The newest entry the state table proves existed (0 if none): cutting entries off
    and rewriting the head still leaves the states they recorded, under their MACs."""
    newest = 0
    for row in conn.execute("SELECT subject, seq, digest, mac FROM states"):
        if row["seq"] > newest and crypto.equal(
            states.state_mac(key, row["subject"], row["seq"], row["digest"]), row["mac"]
        ):
            newest = row["seq"]
    return newest


def _ranges(numbers: list[int], shown: int = 10) -> str:
    """ "3, 7–9, 12" for [3, 7, 8, 9, 12]; the first `shown` runs only."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:shown]]
    return "entries " + ", ".join(text) + (", …" if len(runs) > shown else "")


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
        states=json.loads(row["states"]) if _has(row, "states") and row["states"] else None,
    )


def _has(row: sqlite3.Row, column: str) -> bool:
    """Whether `row` has `column` (a catalog from before schema 6, e.g. in a backup, not)."""
    return column in row.keys()  # noqa: SIM118 - `in` on a Row looks at its values
