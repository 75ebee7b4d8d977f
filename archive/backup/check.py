"""Checking a backup without the data home: every file against its manifest, and the
catalog it holds against the files and keys beside it.

Needs no passphrase and no data home, so an auditor can check an off-site copy anywhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import audit, catalog
from archive.backup.manifest import BackupDamaged, Manifest, is_store_path, store_path
from archive.backup.source import Backup, Snapshot, catalog_of, destroyed, open_backup
from archive.errors import BureauError
from archive.store import copy_hashed

MISSING = "is missing"


@dataclass
class SnapshotCheck:
    snapshot: str
    made_at: str
    items: int = 0
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "snapshot": self.snapshot,
            "made_at": self.made_at,
            "items": self.items,
            "files": self.files,
            "bytes": self.bytes,
            "ok": not self.problems,
            "problems": self.problems,
        }


@dataclass
class BackupCheck:
    path: Path
    snapshots: list[SnapshotCheck] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(not s.problems for s in self.snapshots)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "path": str(self.path),
            "snapshots": [s.to_json() for s in self.snapshots],
            "interrupted": self.interrupted,
            "problems": self.problems + [p for s in self.snapshots for p in s.problems],
        }


def verify(path: Path) -> BackupCheck:
    """Check every complete snapshot of the backup at `path` (BadInput if there is none)."""
    try:
        backup = open_backup(path)
    except BackupDamaged as exc:  # e.g. a tar cut short: a backup, but a damaged one
        return BackupCheck(path=path, problems=[str(exc)])
    try:
        result = BackupCheck(path=path, interrupted=backup.interrupted())
        try:
            ids = backup.snapshots()
        except BureauError as exc:  # a tar cut short, a damaged manifest
            result.problems.append(str(exc))
            return result
        if not ids:
            result.problems.append(f"{path}: holds no complete backup")
        hashed: dict[str, str | None] = {}  # shared stored files are hashed once
        for snapshot_id in ids:
            result.snapshots.append(_check_snapshot(backup, snapshot_id, hashed))
        return result
    finally:
        backup.close()


def _check_snapshot(
    backup: Backup, snapshot_id: str, hashed: dict[str, str | None]
) -> SnapshotCheck:
    try:
        snapshot = backup.snapshot(snapshot_id)
    except BureauError as exc:
        return SnapshotCheck(snapshot_id, "", problems=[f"{snapshot_id}: {exc}"])
    manifest = snapshot.manifest
    check = SnapshotCheck(
        snapshot_id, manifest.made_at, manifest.items, len(manifest.entries), manifest.size
    )
    try:
        with catalog_of(snapshot) as conn:
            gone = _destroyed(conn, snapshot)
            catalog_problems = _catalog_problems(conn, snapshot, manifest)
    except FileNotFoundError:
        gone, catalog_problems = set(), []  # reported with the files
    except sqlite3.DatabaseError as exc:
        gone, catalog_problems = set(), [f"the catalog cannot be read: {exc}"]
    for entry in manifest.entries:
        if not is_store_path(entry.path):
            verdict = _verdict(snapshot, entry.path, entry.sha256, entry.size)
        else:
            if entry.path not in hashed:
                hashed[entry.path] = _verdict(snapshot, entry.path, entry.sha256, entry.size)
            verdict = hashed[entry.path]
        if verdict and not (verdict == MISSING and entry.path in gone):
            check.problems.append(f"{snapshot_id}: {entry.path} {verdict}")
    check.problems += [f"{snapshot_id}: {text}" for text in catalog_problems]
    return check


def _destroyed(conn: sqlite3.Connection, snapshot: Snapshot) -> set[str]:
    try:
        return destroyed(conn, set(snapshot.keys().shredded))
    except BackupDamaged:
        return set()  # reported with the keys


def _verdict(snapshot: Snapshot, path: str, sha256: str, size: int) -> str | None:
    try:
        stream = snapshot.open(path)
    except FileNotFoundError:
        return MISSING
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    with stream:
        digest, actual = copy_hashed(stream, None)
    if digest != sha256:
        return f"is corrupted: SHA-256 {digest[:12]}… instead of {sha256[:12]}…"
    if actual != size:
        return f"has {actual} bytes instead of {size}"
    return None


def manifest_disagreements(conn: sqlite3.Connection, manifest: Manifest) -> list[str]:
    """Where a snapshot's catalog and its manifest disagree: the items they count, and
    stored files the catalog names that the manifest does not list."""
    problems = []
    items, encrypted = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(encrypted), 0) FROM items"
    ).fetchone()
    if (items, encrypted) != (manifest.items, manifest.encrypted_items):
        problems.append(
            f"the catalog holds {items} items ({encrypted} encrypted), the manifest says "
            f"{manifest.items} ({manifest.encrypted_items})"
        )
    listed = {e.path: e.size for e in manifest.entries}
    for sha, size in conn.execute("SELECT DISTINCT stored_sha256, stored_size FROM files"):
        if listed.get(store_path(sha)) != size:
            problems.append(f"stored file {sha[:12]}… of the catalog is not in the manifest")
    return problems


def _catalog_problems(
    conn: sqlite3.Connection, snapshot: Snapshot, manifest: Manifest
) -> list[str]:
    problems = []
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        return [f"the catalog is damaged: {integrity}"]
    if catalog.schema_version(conn) != manifest.schema:
        problems.append("the catalog's schema differs from the manifest's")
    problems += manifest_disagreements(conn, manifest)
    problems += [f"audit trail: {text}" for text in audit.verify_chain(conn)]
    problems += _key_problems(conn, snapshot)
    return problems


def _key_problems(conn: sqlite3.Connection, snapshot: Snapshot) -> list[str]:
    try:
        keys = snapshot.keys()
    except BackupDamaged as exc:
        return [str(exc)]
    problems = []
    versions = set((keys.master or {}).get("masters", {}))
    shredded = set(keys.shredded)
    for (item_id,) in conn.execute("SELECT id FROM items WHERE encrypted = 1 ORDER BY id"):
        if item_id in shredded:
            continue
        key = keys.items.get(item_id)
        if key is None:
            problems.append(f"item {item_id} is encrypted but the keys file has no key for it")
        elif str(key[0]) not in versions:
            problems.append(f"item {item_id}: its key names a master key the keys file lacks")
    if conn.execute("SELECT COUNT(*) FROM item_keys").fetchone()[0]:
        problems.append("the catalog copy holds data keys: they belong only in the keys file")
    return problems
