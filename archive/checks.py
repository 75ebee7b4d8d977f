"""Backups, the fixity check, the sweep of leftovers and the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive import audit, catalog, fixity
from archive.opened import STRIPPED, OpenArchive

if TYPE_CHECKING:
    from archive import backup


@dataclass(frozen=True)
class VerifyReport:
    problems: list[fixity.Problem]
    cleaned: list[str]
    items: int
    head: dict | None = None  # {"seq", "hash"}: note it down to detect a later rollback
    authenticated: bool | None = None  # None: the MACs were not checked (no passphrase)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "problems": [p.to_json() for p in self.problems],
            "items": self.items,
            "cleaned": len(self.cleaned),
            "head": self.head,
            "authenticated": self.authenticated,
        }


class Checks(OpenArchive):
    # -- backups ------------------------------------------------------------------------------

    def backup(
        self, dest: Path, tar: bool = False, progress: backup.make.Progress | None = None
    ) -> backup.BackupReport:
        """A consistent backup of this home into `dest`, recorded in the audit trail (where
        a disposal finds every backup whose keys it must shred)."""
        self.audit_key()  # the backup is recorded (a disposal finds it there)
        from archive import backup  # its modules load only for a backup

        report = backup.take(self.home, self.conn, dest, tar, progress, store=self.store)
        with catalog.write(self.conn):
            audit.append(self.conn, self.actor, "backup", None, report.to_json())
        return report

    def backup_destinations(self) -> list[Path]:
        """Every place this home has written a backup to, as the audit trail records it."""
        found = []
        for (detail,) in self.conn.execute(
            "SELECT detail FROM audit WHERE action = 'backup' ORDER BY seq"
        ):
            dest = json.loads(detail).get("dest")
            if isinstance(dest, str):
                found.append(Path(dest))
        return list(dict.fromkeys(found))

    # -- fixity and the audit trail ------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check every stored file, catalog row and the audit chain; sweep stale leftovers.

        Everything is checked whatever the auditor's clearance, but what is reported names
        and counts only the items the auditor may see: problems with the others are told
        as one line that names none of them, and still fail the check.
        """
        user = self.user
        cleaned = self.sweep(self.config.orphan_grace_seconds)
        rows = self.conn.execute("SELECT id, classification, dept FROM items").fetchall()
        hidden = {row[0] for row in rows if not user.sees(row[1], row[2])}
        key = self._derive_key(create=False)
        problems, trail = fixity.check(self.conn, self.store, key)
        if key is not None and self._trail_stripped():
            problems.insert(0, fixity.Problem("audit_chain", STRIPPED))
        shown = [p for p in problems if p.item not in hidden]
        if len(shown) < len(problems):
            shown.append(
                fixity.Problem(
                    "above_clearance",
                    "problems were found in items above your clearance: a user cleared "
                    "for them must run `bureau audit verify` to see them",
                )
            )
        return VerifyReport(
            problems=shown,
            cleaned=cleaned,
            items=len(rows) - len(hidden),
            head=trail.head,
            authenticated=trail.authenticated,
        )

    def sweep(self, grace_seconds: float) -> list[str]:
        """Remove what interrupted filings left behind (unreferenced blobs, temporary files)."""
        with catalog.write(self.conn):
            referenced = {
                r[0] for r in self.conn.execute("SELECT DISTINCT stored_sha256 FROM files")
            }
            return self.store.sweep(referenced, grace_seconds)

    def audit_log(self, ref: str | None = None, limit: int | None = None) -> list[audit.Entry]:
        """The trail (of one item, with `ref`), without entries about items the acting
        user may not see."""
        item_id = self._find(ref).id if ref else None
        user = self.user
        hidden = {
            row[0]
            for row in self.conn.execute("SELECT id, classification, dept FROM items")
            if not user.sees(row[1], row[2])
        }
        entries = [e for e in audit.entries(self.conn, item_id, None) if e.item_id not in hidden]
        return entries[-limit:] if limit else entries
