"""Transfer to the state archives: items whose category ends in `transfer`, exported as a
BagIt bag (RFC 8493) and marked transferred.

The bag holds, per item, its files (each checked against its hash as it is read), its
catalog record (`metadata.json`) and its audit entries (`audit.json`). It is assembled
under a hidden name beside DEST and renamed into place when complete, so a bag at DEST is
always whole; only then are the items marked transferred. Items of encrypted levels are
not put in a bag (their plaintext would leave the archive's protection): they are listed
as skipped, to be declassified first or handed over through the classified channel.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from archive import atomic, audit, catalog, items
from archive.errors import BadInput
from archive.items import TRANSFERRED, Item, StoredFile
from archive.retention.disposition import ACTIVE

Reader = Callable[[Item, StoredFile], bytes]


@dataclass
class TransferReport:
    id: str
    dest: Path
    items: list[Item] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dest": str(self.dest),
            "items": [i.to_json() for i in self.items],
            "skipped": self.skipped,
            "files": self.files,
            "bytes": self.bytes,
        }


def due_for_transfer(conn: sqlite3.Connection, as_of: date) -> list[Item]:
    """Items due by `as_of` whose category ends in transfer, not on hold."""
    rows = conn.execute(
        f"""SELECT {items.ITEM_COLUMNS} FROM items
        WHERE due IS NOT NULL AND due <= ? AND status IN ({",".join("?" * len(ACTIVE))})
          AND category IN (SELECT code FROM categories WHERE action = 'transfer')
          AND id NOT IN (SELECT item_id FROM holds WHERE released_at IS NULL)
        ORDER BY due, archive_code""",
        (as_of.isoformat(), *ACTIVE),
    ).fetchall()
    return items.load(conn, rows)


def transfer(
    conn: sqlite3.Connection,
    found: list[Item],
    dest: Path,
    read: Reader,
    organisation: str,
    actor: str,
    now: datetime,
) -> TransferReport:
    """Write `found` as a bag at `dest` (which must not exist) and mark them transferred."""
    dest = Path(os.path.abspath(dest))
    if dest.exists():
        raise BadInput(f"{dest}: already exists: a transfer bag is written to a new folder")
    if not dest.parent.is_dir():
        raise BadInput(f"{dest.parent}: no such folder")
    report = TransferReport(items.new_id(), dest)
    chosen = []
    for item in found:
        if item.encrypted:
            report.skipped.append(
                {"archive_code": item.archive_code, "reason": "encrypted: declassify it first"}
            )
        else:
            chosen.append(item)
    if not chosen:
        raise BadInput("nothing to transfer: no item is due for transfer" + _skipped(report))
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.bag-"))
    try:
        _write_bag(conn, staging, chosen, read, organisation, report, now)
        os.rename(staging, dest)
        atomic.fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with catalog.write(conn):
        for item in chosen:
            conn.execute("UPDATE items SET status = ? WHERE id = ?", (TRANSFERRED, item.id))
            audit.append(
                conn,
                actor,
                "transfer",
                item.id,
                {"archive_code": item.archive_code, "transfer": report.id, "bag": str(dest)},
            )
    report.items = chosen
    return report


def _write_bag(
    conn: sqlite3.Connection,
    bag: Path,
    chosen: list[Item],
    read: Reader,
    organisation: str,
    report: TransferReport,
    now: datetime,
) -> None:
    manifest: list[tuple[str, str]] = []

    def payload(relative: str, data: bytes) -> None:
        path = bag / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        manifest.append((hashlib.sha256(data).hexdigest(), relative))
        report.files += 1
        report.bytes += len(data)

    for item in chosen:
        folder = f"data/{_safe(item.archive_code)}"
        for stored in item.files:
            payload(f"{folder}/{stored.seq}-{_safe(stored.name)}", read(item, stored))
        payload(f"{folder}/metadata.json", _json(item.to_json()))
        trail = [e.to_json() for e in audit.entries(conn, item.id)]
        payload(f"{folder}/audit.json", _json(trail))
    tags = {
        "bagit.txt": "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": (
            f"Source-Organization: {organisation}\n"
            f"Bagging-Date: {now.date().isoformat()}\n"
            f"Payload-Oxum: {report.bytes}.{report.files}\n"
            f"External-Identifier: {report.id}\n"
            f"External-Description: Transfer of {len(chosen)} archival item(s) to the state "
            "archives\n"
        ),
        "manifest-sha256.txt": "".join(
            f"{sha}  {path}\n" for sha, path in sorted(manifest, key=lambda m: m[1])
        ),
    }
    for name, text in tags.items():
        (bag / name).write_text(text, encoding="utf-8")
    tagmanifest = "".join(
        f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}  {name}\n"
        for name, text in tags.items()
    )
    (bag / "tagmanifest-sha256.txt").write_text(tagmanifest, encoding="utf-8")


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _safe(name: str) -> str:
    """A file or folder name safe in a bag: no separators, controls, or leading dots."""
    text = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|%]', "_", name.replace("·", ".")).strip()
    return text.lstrip(".") or "file"


def _skipped(report: TransferReport) -> str:
    if not report.skipped:
        return ""
    return f" ({len(report.skipped)} encrypted item(s) skipped: declassify them first)"
