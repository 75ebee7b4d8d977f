"""Items (件): one document with its attachments, as the catalog holds them."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A ULID: 26 characters, unique, and sorting in filing order."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


@dataclass(frozen=True)
class StoredFile:
    """One file of an item: a rendition of the document, or an attachment."""

    seq: int
    role: str
    rendition: str
    official: bool
    name: str
    media_type: str
    size: int
    sha256: str
    stored_sha256: str = ""  # the blob's hash as stored: the ciphertext's, when encrypted
    stored_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "role": self.role,
            "rendition": self.rendition,
            "official": self.official,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "stored_sha256": self.stored_sha256,
        }


@dataclass(frozen=True)
class Hold:
    """A hold (audit, litigation, inquiry) that suspends an item's disposition."""

    id: int
    reason: str
    placed_by: str
    placed_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "placed_by": self.placed_by,
            "placed_at": self.placed_at,
        }


DISPOSED = "disposed"  # the status of a tombstone: the files and key are gone
TRANSFERRED = "transferred"  # handed over to the state archives


@dataclass(frozen=True)
class Item:
    id: str
    archive_code: str
    fonds: str
    year: int
    retention: str
    dept: str
    item_no: int
    kind: str
    title: str
    date: str
    classification: str
    doc_no: str | None
    template: str | None
    sha256: str
    supersedes: str | None
    status: str
    filed_at: str
    filed_by: str
    sealed: bool = False
    encrypted: bool = False
    declassify_on: str | None = None
    category: str | None = None
    due: str | None = None
    retention_override: bool = False
    disposal_list: str | None = None
    disposed_at: str | None = None
    files: tuple[StoredFile, ...] = field(default=())
    superseded_by: str | None = None
    holds: tuple[Hold, ...] = field(default=())
    disposal: dict[str, Any] | None = None  # a tombstone's list: who proposed and approved

    @property
    def disposed(self) -> bool:
        return self.status == DISPOSED

    @property
    def official(self) -> StoredFile:
        return next(f for f in self.files if f.official)

    def rendition(self, name: str) -> StoredFile | None:
        return next((f for f in self.files if f.role == "document" and f.rendition == name), None)

    def to_json(self) -> dict[str, Any]:
        """The public JSON form of an item (keys are an interface: add, never rename)."""
        return {
            "id": self.id,
            "archive_code": self.archive_code,
            "title": self.title,
            "kind": self.kind,
            "dept": self.dept,
            "date": self.date,
            "year": self.year,
            "classification": self.classification,
            "retention": self.retention,
            "doc_no": self.doc_no,
            "template": self.template,
            "sha256": self.sha256,
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "status": self.status,
            "filed_at": self.filed_at,
            "filed_by": self.filed_by,
            "sealed": bool(self.sealed),
            "encrypted": bool(self.encrypted),
            "declassify_on": self.declassify_on,
            "renditions": [f.rendition for f in self.files if f.role == "document"],
            "files": [f.to_json() for f in self.files],
            "category": self.category,
            "due": self.due,
            "holds": [h.to_json() for h in self.holds],
            "retention_override": bool(self.retention_override),
            "disposal_list": self.disposal_list,
            "disposed_at": self.disposed_at,
            "disposal": self.disposal,
        }


ITEM_FIELDS = (
    "id",
    "archive_code",
    "fonds",
    "year",
    "retention",
    "dept",
    "item_no",
    "kind",
    "title",
    "date",
    "classification",
    "doc_no",
    "template",
    "sha256",
    "supersedes",
    "status",
    "filed_at",
    "filed_by",
    "sealed",
    "encrypted",
    "declassify_on",
    "category",
    "due",
    "retention_override",
    "disposal_list",
    "disposed_at",
)
ITEM_COLUMNS = ", ".join(ITEM_FIELDS)
_FLAGS = ("sealed", "encrypted", "retention_override")


def load(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Item]:
    """Items for catalog rows, with their files and successors, in two queries."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    files: dict[str, list[StoredFile]] = {i: [] for i in ids}
    successors: dict[str, str] = {}
    holds: dict[str, list[Hold]] = {i: [] for i in ids}
    disposals = _disposals(conn, {row["disposal_list"] for row in rows} - {None})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for f in conn.execute(
            f"SELECT * FROM files WHERE item_id IN ({marks}) ORDER BY item_id, seq", chunk
        ):
            files[f["item_id"]].append(
                StoredFile(
                    seq=f["seq"],
                    role=f["role"],
                    rendition=f["rendition"],
                    official=bool(f["official"]),
                    name=f["name"],
                    media_type=f["media_type"],
                    size=f["size"],
                    sha256=f["sha256"],
                    stored_sha256=f["stored_sha256"] or f["sha256"],
                    stored_size=f["stored_size"] if f["stored_size"] is not None else f["size"],
                )
            )
        for s in conn.execute(
            f"SELECT id, supersedes FROM items WHERE supersedes IN ({marks})", chunk
        ):
            successors[s["supersedes"]] = s["id"]
        for h in conn.execute(
            f"SELECT id, item_id, reason, placed_by, placed_at FROM holds "
            f"WHERE released_at IS NULL AND item_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            holds[h["item_id"]].append(Hold(h["id"], h["reason"], h["placed_by"], h["placed_at"]))
    return [
        Item(
            **{k: row[k] for k in ITEM_FIELDS if k not in _FLAGS},
            **{k: bool(row[k]) for k in _FLAGS},
            files=tuple(files[row["id"]]),
            superseded_by=successors.get(row["id"]),
            holds=tuple(holds[row["id"]]),
            disposal=disposals.get(row["disposal_list"]),
        )
        for row in rows
    ]


def _disposals(conn: sqlite3.Connection, list_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Who proposed and approved each disposal list, for its tombstones."""
    found = {}
    for list_id in list_ids:
        row = conn.execute(
            "SELECT id, proposed_by, proposed_at, approved_by, approved_at FROM disposal_lists "
            "WHERE id = ?",
            (list_id,),
        ).fetchone()
        if row is not None:
            found[list_id] = {
                "list": row["id"],
                "proposed_by": row["proposed_by"],
                "proposed_at": row["proposed_at"],
                "approved_by": row["approved_by"],
                "approved_at": row["approved_at"],
            }
    return found
