"""Disposal reaching backups: disposed items' keys and files destroyed in every snapshot.

Each snapshot's keys file lists the disposed items and loses their data keys (the
crypto-shredding of encrypted items); then the stored files that only disposed items hold
are deleted from the backup's store (the plaintext of items of unencrypted levels). The
keys files are replaced atomically and written first, so an interruption leaves every
snapshot consistent (a stored file of a listed item may be absent) and running again
finishes the job. A tar backup is rewritten whole under a temporary name.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import atomic
from archive.backup.manifest import KEYS, PARTIAL, SNAPSHOTS, store_path
from archive.backup.source import FolderBackup, TarBackup, catalog_of, destroyed, open_backup
from archive.errors import BadInput


@dataclass
class ShredReport:
    path: Path
    snapshots: int = 0  # keys files rewritten
    keys: int = 0  # keys destroyed (one item may have a key in several snapshots)
    files: int = 0  # stored files deleted from the backup
    items: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "snapshots": self.snapshots,
            "keys": self.keys,
            "files": self.files,
            "items": self.items,
        }


def shred(
    path: Path, disposed: Mapping[str, Mapping[str, str | None]] | Iterable[str]
) -> ShredReport:
    """Destroy the keys and files of the `disposed` items in every snapshot of the backup at
    `path` (item ids, or a mapping of each to what its tombstone records: list, disposed_at,
    proposed_by, approved_by)."""
    if not isinstance(disposed, Mapping):
        disposed = {item_id: {} for item_id in disposed}
    backup = open_backup(path)
    try:
        report = ShredReport(path, items=sorted(disposed))
        if isinstance(backup, FolderBackup):
            _shred_folder(backup, disposed, report)
        else:
            _shred_tar(backup, disposed, report)
        return report
    finally:
        backup.close()


def _shred_folder(
    backup: FolderBackup, disposed: Mapping[str, Mapping[str, str | None]], report: ShredReport
) -> None:
    fd = os.open(backup.path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BadInput(f"{backup.path}: a backup into it is running: try again") from None
        for leftover in (backup.path / SNAPSHOTS).glob(PARTIAL + "*"):
            shutil.rmtree(leftover, ignore_errors=True)  # it may hold the keys too
        gone: set[str] = set()
        kept: set[str] = set()
        for snapshot_id in backup.snapshots():
            snapshot = backup.snapshot(snapshot_id)
            keys = snapshot.keys()
            if not set(keys.shredded) >= set(disposed):
                report.keys += keys.shred(disposed)
                atomic.write_bytes(snapshot.folder / KEYS, keys.to_bytes(), mode=0o600)
                report.snapshots += 1
            with catalog_of(snapshot) as conn:
                destroyed_here = destroyed(conn, set(keys.shredded))
                referenced = {
                    store_path(r[0]) for r in conn.execute("SELECT stored_sha256 FROM files")
                }
            gone |= destroyed_here
            kept |= referenced - destroyed_here
        for relative in sorted(gone - kept):
            target = backup.path / relative
            if target.exists():
                target.unlink()
                report.files += 1
    finally:
        os.close(fd)


def _shred_tar(
    backup: TarBackup, disposed: Mapping[str, Mapping[str, str | None]], report: ShredReport
) -> None:
    snapshot = backup.snapshot()
    keys = snapshot.keys()
    if set(keys.shredded) >= set(disposed):
        return
    report.keys += keys.shred(disposed)
    with catalog_of(snapshot) as conn:
        gone = destroyed(conn, set(keys.shredded))
    target = backup.path
    partial = target.parent / f".{target.name}{PARTIAL}shred"
    try:
        with partial.open("wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as out:
                for info in backup.tar.getmembers():
                    if info.name == KEYS or info.name in gone:
                        report.files += info.name in gone
                        continue
                    out.addfile(info, backup.tar.extractfile(info) if info.isfile() else None)
                data = keys.to_bytes()
                info = tarfile.TarInfo(KEYS)
                info.size, info.mode = len(data), 0o600
                out.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        atomic.fsync_dir(target.parent)
    finally:
        partial.unlink(missing_ok=True)
    report.snapshots += 1
