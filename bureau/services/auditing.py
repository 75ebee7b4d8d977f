"""What auditors run on the archive itself: the fixity check and the audit trail."""

from __future__ import annotations

from archive.audit import Entry
from archive.service import Archive, VerifyReport
from bureau.services import sealing


def verify(archive: Archive) -> VerifyReport:
    """Every stored file, catalog row and the audit chain, and every sealed item's seal."""
    archive.require("audit", "verify the archive")
    report = archive.verify()
    report.problems.extend(sealing.reverify_sealed(archive))
    return report


def log(archive: Archive, ref: str | None = None, limit: int | None = None) -> list[Entry]:
    """The trail (of one item, with `ref`), without entries about items the user may not see."""
    archive.require("audit", "read the audit trail")
    return archive.audit_log(ref, limit)
