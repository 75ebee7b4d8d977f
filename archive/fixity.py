"""Fixity: checking that the archive still holds exactly what was filed.

Three independent records must agree: the stored bytes (their SHA-256), the catalog rows
that describe them, and the audit trail that recorded each filing and change. A change to
any one of them, made outside the program, shows up as a disagreement with the others.

Every item, user and disposal list is compared with the state the trail last recorded for
it. With the audit-trail key, the trail itself is proven too (every entry's MAC, the
head's, the state table's); without it, a consistent rewrite of the whole catalog cannot
be told from the real thing, and the report says the proof was not made.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archive import audit, codes, crypto, states
from archive.items import DISPOSED
from archive.store import Store


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str
    item: str | None = None
    archive_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "item": self.item,
            "archive_code": self.archive_code,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        where = self.archive_code or self.item
        return f"{where}: {self.detail}" if where else self.detail


def check(
    conn: sqlite3.Connection, store: Store, key: bytes | None = None
) -> tuple[list[Problem], audit.Trail]:
    """Every problem found, in a stable order: files, catalog rows, the trail, then the
    subjects whose rows differ from the trail; and what the walk of the trail found."""
    trail = audit.inspect(conn, key)
    problems = _check_files(conn, store) + _check_items(conn)
    problems += [Problem("audit_chain", text) for text in trail.problems]
    missing = {p.item for p in problems if p.kind == "missing_item"}
    return problems + _check_states(conn, trail, key, missing), trail


def _check_files(conn: sqlite3.Connection, store: Store) -> list[Problem]:
    problems = []
    verdicts: dict[str, str | None] = {}
    rows = conn.execute(
        "SELECT f.item_id, f.seq, f.name, f.stored_size AS size, f.stored_sha256 AS sha256, "
        "f.sha256 AS content_sha256, i.archive_code, i.encrypted, "
        "(SELECT COUNT(*) FROM item_keys k WHERE k.item_id = f.item_id) AS keyed "
        "FROM files f JOIN items i ON i.id = f.item_id ORDER BY i.archive_code, f.seq"
    )
    for row in rows:
        sha = row["sha256"]
        plain_mismatch = not row["encrypted"] and sha != row["content_sha256"]
        if plain_mismatch or bool(row["encrypted"]) != bool(row["keyed"]):
            problems.append(
                Problem(
                    "catalog_mismatch",
                    f"file {row['seq']}: how it is stored (encrypted or not) does not match "
                    "the catalog",
                    row["item_id"],
                    row["archive_code"],
                )
            )
        if sha not in verdicts:
            verdicts[sha] = _blob_verdict(store, sha, row["size"])
        if verdicts[sha]:
            problems.append(
                Problem(
                    "missing_file" if "missing" in verdicts[sha] else "corrupt_file",
                    f"file {row['seq']} ({'encrypted' if row['encrypted'] else row['name']}) "
                    f"{verdicts[sha]}",
                    row["item_id"],
                    row["archive_code"],
                )
            )
    return problems


def _blob_verdict(store: Store, sha: str, size: int) -> str | None:
    if not store.exists(sha):
        return "is missing from the store"
    actual, actual_size = store.hash_of(sha)
    if actual != sha:
        return f"is corrupted: SHA-256 {actual[:12]}… instead of {sha[:12]}…"
    if actual_size != size:
        return f"has {actual_size} bytes instead of {size}"
    return None


def _check_items(conn: sqlite3.Connection) -> list[Problem]:
    problems = []
    filed = _filing_entries(conn)
    disposed = {r[0] for r in conn.execute("SELECT item_id FROM audit WHERE action = 'dispose'")}
    for row in conn.execute("SELECT * FROM items ORDER BY archive_code"):
        item, code = row["id"], row["archive_code"]

        def problem(kind: str, detail: str, item: str = item, code: str = code) -> None:
            problems.append(Problem(kind, detail, item, code))

        expected = str(
            codes.ArchiveCode(
                row["fonds"], row["year"], row["retention"], row["dept"], row["item_no"]
            )
        )
        if expected != code:
            problem("catalog_mismatch", f"archival code does not match its parts ({expected})")
        official = conn.execute(
            "SELECT sha256 FROM files WHERE item_id = ? AND official = 1", (item,)
        ).fetchall()
        if row["status"] == DISPOSED or item in disposed:
            _check_tombstone(row, item in disposed, bool(official), problem)
        elif len(official) != 1:
            problem("catalog_mismatch", f"has {len(official)} official renditions instead of 1")
        elif official[0]["sha256"] != row["sha256"]:
            problem("catalog_mismatch", "its SHA-256 differs from its official rendition's")
        entry = filed.pop(item, None)
        if entry is None:
            problem("unrecorded_item", "is in the catalog but its filing is not in the audit trail")
        elif entry.get("archive_code") != code or entry.get("sha256") != row["sha256"]:
            problem("catalog_mismatch", "differs from what the audit trail recorded at filing")
    for item, entry in filed.items():
        problems.append(
            Problem(
                "missing_item",
                "was filed (audit trail) but is missing from the catalog",
                item,
                entry.get("archive_code"),
            )
        )
    return problems


def _check_tombstone(
    row: sqlite3.Row, recorded: bool, has_files: bool, problem: Callable[[str, str], None]
) -> None:
    """A disposed item: known from a missing one by its disposal in the audit trail."""
    if row["status"] != DISPOSED:
        problem("catalog_mismatch", "was disposed of (audit trail) but the catalog holds it")
    elif not recorded:
        problem("catalog_mismatch", "is marked disposed but no disposal is in the audit trail")
    elif has_files:
        problem("catalog_mismatch", "was disposed of but the catalog still lists its files")


def _filing_entries(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    found = {}
    for row in conn.execute("SELECT item_id, detail FROM audit WHERE action = 'file'"):
        try:
            found[row["item_id"]] = json.loads(row["detail"])
        except (TypeError, ValueError):
            found[row["item_id"]] = {}
    return found


CHANGED = "catalog row differs from the audit trail (changed outside the program)"


def _check_states(
    conn: sqlite3.Connection, trail: audit.Trail, key: bytes | None, missing: set[str | None]
) -> list[Problem]:
    """Each subject's current rows against the newest state the trail records for it, and
    the state table (what access checks consult) against the trail."""
    problems: list[Problem] = []
    codes_of = {r[0]: r[1] for r in conn.execute("SELECT id, archive_code FROM items")}

    def problem(kind: str, subject: str, detail: str) -> None:
        sort, _, name = subject.partition(":")
        if sort == "item":
            problems.append(Problem(kind, detail, name, codes_of.get(name)))
        else:
            problems.append(
                Problem(kind, f"{'disposal ' if sort == 'list' else ''}{sort} {name}: {detail}")
            )

    present = set(states.subjects(conn))
    for subject, (_, recorded) in sorted(trail.recorded.items()):
        now = states.digest(conn, subject)
        if now == recorded:
            continue
        if now == states.ABSENT:
            if subject.partition(":")[2] in missing and subject.startswith(states.ITEM):
                continue  # reported already, as an item filed but missing
            problem(
                "state_missing",
                subject,
                "is recorded in the audit trail but missing from the catalog",
            )
        elif recorded == states.ABSENT:
            problem("state_mismatch", subject, "was removed (audit trail) but the catalog holds it")
        else:
            problem("state_mismatch", subject, CHANGED)
    if trail.has_macs:  # an authenticated trail records every subject
        for subject in sorted(present - set(trail.recorded)):
            problem(
                "state_unrecorded",
                subject,
                "is not recorded in the audit trail (added outside the program)",
            )
    table = {r["subject"]: r for r in conn.execute("SELECT subject, seq, digest, mac FROM states")}
    for subject in sorted(set(table) | set(trail.recorded)):
        row = table.get(subject)
        recorded_at = trail.recorded.get(subject)
        forged = (
            row is not None
            and key is not None
            and not crypto.equal(
                states.state_mac(key, subject, row["seq"], row["digest"]), row["mac"]
            )
        )
        if forged or recorded_at != (None if row is None else (row["seq"], row["digest"])):
            problem(
                "state_table",
                subject,
                "its entry in the state table (used by access checks) does not match the "
                "audit trail",
            )
    return problems
