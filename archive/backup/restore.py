"""Restoring a backup into a new data home.

Never over an existing home. Everything is checked before the home appears: the
passphrase against the backup's master key (before anything is written), every file
against the manifest as it is copied, every data key against the master key. The home is
assembled under a hidden name beside its place and renamed into place when complete, so
an interrupted or failed restore leaves no half-restored home behind. Rebuilding the index
and the fixity check that follow are put together with the indexer in `bureau/`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import access, atomic, audit, catalog, config, keyfiles
from archive.backends import EMBEDDED_CATALOG, LOCAL_STORE
from archive.backup.check import manifest_disagreements
from archive.backup.manifest import (
    CATALOG,
    CONFIG,
    MASTER_FILE,
    STORE,
    BackupDamaged,
    Entry,
    KeyFile,
    is_store_path,
)
from archive.backup.source import Snapshot, destroyed, open_backup
from archive.errors import HomeError, IntegrityError
from archive.home import FOLDERS, DataHome
from archive.items import DISPOSED
from archive.keys import KeyRing
from archive.retention.disposal import tombstone
from archive.store import BlobStore, Store, copy_hashed
from archive.vault import PassphraseProvider

_SHREDDED = {"restored": "disposed of after this backup was made"}


@dataclass
class RestoreReport:
    home: Path
    source: Path
    snapshot: str
    made_at: str
    items: int
    files: int
    bytes: int
    encrypted_items: int
    shredded: int  # items disposed of after the backup was made: restored as tombstones

    def to_json(self) -> dict[str, Any]:
        return {
            "home": str(self.home),
            "source": str(self.source),
            "snapshot": self.snapshot,
            "made_at": self.made_at,
            "items": self.items,
            "files": self.files,
            "bytes": self.bytes,
            "encrypted_items": self.encrypted_items,
            "shredded": self.shredded,
        }


def restore(
    source: Path,
    target: DataHome,
    passphrase: PassphraseProvider,
    actor: str,
    authorize: Callable[[access.User | None], None],
    snapshot_id: str | None = None,
) -> RestoreReport:
    """Restore the newest (or the named) snapshot of `source` as the new home `target`.

    `authorize` is the caller's decision on `actor` as the backup's catalog knows them
    (None in a home without users); it raises to refuse. HomeError if `target` exists;
    WrongPassphrase; IntegrityError if the backup is damaged. In every such case nothing
    is left at `target`.
    """
    root = target.root
    source = Path(os.path.abspath(source))
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HomeError(f"{root}: already exists: a restore never writes over a data home")
    backup = open_backup(source)
    try:
        snapshot = backup.snapshot(snapshot_id)
        keys = snapshot.keys()
        ring = _unlock(keys, passphrase) if keys.master else None
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.restore-"))
        try:
            shredded = _assemble(snapshot, keys, ring, staging, actor, authorize, source)
            atomic.sync_filesystem(staging)  # the whole home durable before it appears
            if root.exists():
                root.rmdir()  # empty, checked above
            os.rename(staging, root)
            atomic.fsync_dir(root.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        backup.close()
    manifest = snapshot.manifest
    return RestoreReport(
        home=root,
        source=source,
        snapshot=snapshot.id,
        made_at=manifest.made_at,
        items=manifest.items,
        files=len(manifest.entries),
        bytes=manifest.size,
        encrypted_items=manifest.encrypted_items,
        shredded=shredded,
    )


def _assemble(
    snapshot: Snapshot,
    keys: KeyFile,
    ring: KeyRing | None,
    staging: Path,
    actor: str,
    authorize: Callable[[access.User | None], None],
    source: Path,
) -> int:
    """The home, complete, in `staging`; the number of shredded items."""
    for name in FOLDERS:
        (staging / name).mkdir()
    entries = snapshot.manifest.entries
    for entry in entries:
        if entry.path == CATALOG:
            _restore_file(snapshot, entry, staging)
    conn = catalog.connect(staging / CATALOG)
    if ring is not None:  # the backup's own ring: the same audit-trail key as its home
        trail_key = ring.derived(audit.KEY_PURPOSE)
        conn.audit_key = lambda: trail_key
    try:
        disagreements = manifest_disagreements(conn, snapshot.manifest)
        if disagreements:
            raise BackupDamaged(f"{snapshot.where}: {disagreements[0]}: nothing was restored")
        gone = destroyed(conn, set(keys.shredded))
        for entry in entries:
            if entry.path != CATALOG and entry.path not in gone:
                _restore_file(snapshot, entry, staging)
        _embed_backends(staging / CONFIG)
        conn.execute("PRAGMA journal_mode = WAL")
        authorize(_restorer(conn, actor))
        with catalog.write(conn):
            _restore_keys(conn, keys, ring)
            shredded = _dispose_shredded(conn, keys, BlobStore(staging / STORE), actor)
            detail = {"source": str(source), "snapshot": snapshot.id, "shredded": shredded}
            if ring is None:  # a home from before the master key: written with the key later
                audit.defer(conn, actor, "restore", detail)
            else:
                audit.append(conn, actor, "restore", None, detail)
    except sqlite3.DatabaseError as exc:
        raise BackupDamaged(f"{snapshot.where}: the catalog in the backup: {exc}") from exc
    finally:
        conn.close()
    if keys.master:
        master = json.dumps(keys.master, indent=2).encode("utf-8")
        atomic.write_bytes(staging / "keys" / MASTER_FILE, master, mode=keyfiles.PRIVATE_MODE)
    for folder in [staging / "keys", *(p for p in (staging / "keys").rglob("*") if p.is_dir())]:
        os.chmod(folder, keyfiles.FOLDER_MODE)
    os.chmod(staging, 0o750)
    return shredded


def _restore_file(snapshot: Snapshot, entry: Entry, staging: Path) -> None:
    target = staging / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        stream = snapshot.open(entry.path)
    except FileNotFoundError:
        raise IntegrityError(
            f"{snapshot.where}: {entry.path} is missing from the backup: nothing was restored"
        ) from None
    with stream, target.open("xb") as out:
        sha, size = copy_hashed(stream, out)
    if sha != entry.sha256 or size != entry.size:
        raise IntegrityError(
            f"{snapshot.where}: {entry.path} is corrupted in the backup (its SHA-256 does not "
            "match the manifest): nothing was restored"
        )
    os.chmod(target, 0o444 if is_store_path(entry.path) else entry.mode)


def _embed_backends(config_path: Path) -> None:
    """A restored home keeps its catalog in its own catalog.sqlite and its files in its own
    store/ folder, where the backup put them, whatever the backed-up home used: a restore
    never writes to a database or bucket another home may be using (`bureau catalog copy`
    moves the catalog into PostgreSQL again)."""
    data = config.read_mapping(config_path)
    embedded = {**data, "catalog": EMBEDDED_CATALOG, "store": LOCAL_STORE}
    if embedded != data:
        mode = stat.S_IMODE(config_path.stat().st_mode)
        config.write(config_path, embedded)
        os.chmod(config_path, mode)


def _unlock(keys: KeyFile, passphrase: PassphraseProvider) -> KeyRing:
    """The backup's master key ring; WrongPassphrase if the passphrase does not open it."""
    try:
        return KeyRing.opened(Path(MASTER_FILE), keys.master or {}, passphrase())
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise BackupDamaged("the backup's keys file holds a damaged master key") from exc


def _restorer(conn: sqlite3.Connection, actor: str) -> access.User | None:
    """`actor` as the backup's catalog knows them (NotFound or Forbidden for an unknown or
    disabled user); None in a home without users."""
    if conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
        return None
    return access.get(conn, actor)


def _restore_keys(conn: sqlite3.Connection, keys: KeyFile, ring: KeyRing | None) -> None:
    """Put each encrypted item's data key back, checked against the master key (the items
    disposed of after the backup was made have none)."""
    shredded = set(keys.shredded)
    for (item_id,) in conn.execute("SELECT id FROM items WHERE encrypted = 1").fetchall():
        if item_id in shredded:
            continue
        key = keys.items.get(item_id)
        if key is None or ring is None:
            raise IntegrityError(f"item {item_id} is encrypted but the backup holds no key for it")
        version, text = key
        try:
            wrapped = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise BackupDamaged(f"item {item_id}: its key in the backup is damaged") from exc
        ring.unwrap(item_id, version, wrapped)  # IntegrityError if it was altered
        conn.execute(
            "INSERT INTO item_keys (item_id, version, wrapped) VALUES (?, ?, ?)",
            (item_id, version, wrapped),
        )


def _dispose_shredded(conn: sqlite3.Connection, keys: KeyFile, store: Store, actor: str) -> int:
    """Items disposed of after the backup was made are restored as what they now are:
    tombstones. The number of them."""
    rows = conn.execute("SELECT id, status FROM items").fetchall()
    listed = [(item_id, status) for item_id, status in rows if item_id in keys.shredded]
    for item_id, status in listed:
        if status == DISPOSED:
            continue
        info = keys.shredded[item_id]
        when = _moment(info.get("disposed_at"))
        detail = {
            **_SHREDDED,
            "proposed_by": info.get("proposed_by"),
            "approved_by": info.get("approved_by"),
        }
        tombstone(conn, store, item_id, info.get("list"), actor, when, detail)
    return len(listed)


def _moment(text: str | None) -> datetime:
    """When an item was disposed of, as its backup recorded it (now, if it did not)."""
    try:
        return datetime.fromisoformat(text) if text else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)
