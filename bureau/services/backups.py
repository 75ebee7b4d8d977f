"""Backups and restores, put together with the indexer and the seals.

The archive makes and reads backups (`archive.backup`); a restored home is then indexed
and checked here (fixity, the audit chain and every seal) before it is handed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive import backup as backups
from archive import passwords
from archive.access import User
from archive.home import DataHome
from archive.people import SignInFailed
from archive.service import Archive, VerifyReport
from bureau.services import auditing, finding
from bureau.services.session import Actor
from generators.progress import Progress


@dataclass
class Restored:
    report: backups.RestoreReport
    indexed: int
    verify: VerifyReport

    def to_json(self) -> dict[str, Any]:
        return self.report.to_json() | {"indexed": self.indexed, "verify": self.verify.to_json()}


def verify(dest: Path) -> backups.BackupCheck:
    """Check a backup against its manifests (needs no home and no passphrase: anybody
    holding the backup may check it)."""
    return backups.verify(dest)


def backup(archive: Archive, dest: Path, tar: bool) -> backups.BackupReport:
    """Back up the home, with a progress bar over its stored files on a terminal."""
    archive.require("backup", "back up the archive")
    with Progress(None, "backing up") as bar:
        return archive.backup(dest, tar, bar.advance)


def restore(source: Path, target: DataHome, actor: Actor, snapshot: str | None = None) -> Restored:
    """Restore `source` as the new home `target`, rebuild its index and check it. The
    backup itself decides who may: an administrator of the archive it holds."""
    asked: list[bytes] = []

    def once() -> bytes:
        if not asked:
            asked.append(actor.passphrase())
        return asked[0]

    def may_restore(user: User | None) -> None:
        """Only an administrator of the archive in the backup, with their password there,
        restores it (anyone, if that archive had no users yet)."""
        if user is None:
            return
        if user.password_hash is not None and not passwords.matches(
            user.password_hash, actor.password()
        ):
            raise SignInFailed(f"cannot restore as {user.name!r}: wrong password")
        user.require("restore", "restore this archive")

    name = actor.login()
    report = backups.restore(source, target, once, name, may_restore, snapshot)
    with Archive.open(target, name, once) as archive:
        indexed = finding.rebuild(archive)
        verify = auditing.verify(archive)
    return Restored(report, indexed, verify)
