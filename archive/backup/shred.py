"""Crypto-shredding in backups: destroying disposed items' keys in every snapshot.

Only the snapshots' keys files change; each is replaced atomically, so an interruption
leaves every snapshot with either its old keys file or the new one, and running again
finishes the job. A tar backup is rewritten whole under a temporary name.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import atomic
from archive.backup.manifest import KEYS, PARTIAL, SNAPSHOTS
from archive.backup.source import FolderBackup, TarBackup, open_backup
from archive.errors import BadInput


@dataclass
class ShredReport:
    path: Path
    snapshots: int = 0  # keys files rewritten
    keys: int = 0  # keys destroyed (one item may have a key in several snapshots)
    items: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "snapshots": self.snapshots,
            "keys": self.keys,
            "items": self.items,
        }


def shred(path: Path, item_ids: set[str]) -> ShredReport:
    """Destroy the keys of `item_ids` in every snapshot of the backup at `path`."""
    backup = open_backup(path)
    try:
        report = ShredReport(path, items=sorted(item_ids))
        if isinstance(backup, FolderBackup):
            _shred_folder(backup, item_ids, report)
        else:
            _shred_tar(backup, item_ids, report)
        return report
    finally:
        backup.close()


def _shred_folder(backup: FolderBackup, item_ids: set[str], report: ShredReport) -> None:
    fd = os.open(backup.path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BadInput(f"{backup.path}: a backup into it is running: try again") from None
        for leftover in (backup.path / SNAPSHOTS).glob(PARTIAL + "*"):
            shutil.rmtree(leftover, ignore_errors=True)  # it may hold the keys too
        for snapshot_id in backup.snapshots():
            snapshot = backup.snapshot(snapshot_id)
            keys = snapshot.keys()
            if set(keys.shredded) >= item_ids:
                continue
            report.keys += keys.shred(item_ids)
            atomic.write_bytes(snapshot.folder / KEYS, keys.to_bytes(), mode=0o600)
            report.snapshots += 1
    finally:
        os.close(fd)


def _shred_tar(backup: TarBackup, item_ids: set[str], report: ShredReport) -> None:
    keys = backup.snapshot().keys()
    if set(keys.shredded) >= item_ids:
        return
    report.keys += keys.shred(item_ids)
    target = backup.path
    partial = target.parent / f".{target.name}{PARTIAL}shred"
    try:
        with partial.open("wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as out:
                for info in backup.tar.getmembers():
                    if info.name == KEYS:
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
