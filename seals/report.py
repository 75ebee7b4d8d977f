"""The verdict of seals.verify as data: one report per signature and per file, their main
indications and sub-indications, the exit code a command gives for a file, and the JSON and
text a command prints (both stable: scripts and auditors read them).

A file's indication is the worst of its signatures' (`worst`); a file that cannot be read
at all carries `error` and exits 2 (:class:`UnreadablePdf`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from archive.errors import BadInput

if TYPE_CHECKING:
    from seals.changes import RevisionChanges

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"
NO_SIGNATURE_FOUND = "NO_SIGNATURE_FOUND"
DISALLOWED_MODIFICATION = "DISALLOWED_MODIFICATION"
FORMAT_FAILURE = "FORMAT_FAILURE"  # pyHanko's AdESFailure.FORMAT_FAILURE, by name
_RANK = {TOTAL_PASSED: 0, NO_SIGNATURE_FOUND: 1, INDETERMINATE: 2, TOTAL_FAILED: 3}


class UnreadablePdf(BadInput):
    """A file could not be read as a PDF at all (exit 2). :func:`verify_pdf` does not raise
    it; a CLI raises it (or uses its exit code) after reporting every file."""


def iso_time(moment: datetime | None) -> str | None:
    """How a report spells a moment: ISO 8601 in UTC, with a Z (naive means UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class SignatureReport:
    """What an auditor needs to know about one signature (or document timestamp)."""

    field: str
    kind: str  # "certification", "approval" or "document timestamp"
    signer: str | None  # organisation (O), or the common name when there is no O
    dept: str | None  # organisational unit (OU)
    serial: str | None  # certificate serial number, hex
    signing_time: datetime | None  # claimed by the signer
    timestamp: datetime | None  # from a signature timestamp (or the document timestamp)
    indication: str
    subindication: str | None
    intact: bool | None = None
    valid: bool | None = None
    trusted: bool | None = None
    revoked: bool | None = None
    revocation: str = "not checked"
    coverage: str | None = None
    modifications: str | None = None
    details: list[str] = field(default_factory=list)
    # every revision added after this signature and what it changed (seals.changes)
    changes_after: list[RevisionChanges] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kind": self.kind,
            "signer": self.signer,
            "dept": self.dept,
            "serial": self.serial,
            "signing_time": iso_time(self.signing_time),
            "timestamp": iso_time(self.timestamp),
            "indication": self.indication,
            "subindication": self.subindication,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "revocation": self.revocation,
            "coverage": self.coverage,
            "modifications": self.modifications,
            "details": list(self.details),
            "changes_after": [rev.to_json() for rev in self.changes_after],
        }


@dataclass
class FileReport:
    """The verdict on one file: overall indication, one entry per signature, or an error."""

    file: str
    indication: str
    subindication: str | None
    signatures: list[SignatureReport] = field(default_factory=list)
    error: str | None = None
    # JavaScript, launch actions, embedded files found in the file (seals.content)
    active_content: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    @property
    def unreadable(self) -> bool:
        return self.error is not None

    @property
    def exit_code(self) -> int:
        """For a CLI: 0 passed, 2 unreadable (:class:`UnreadablePdf`), 1 anything else."""
        if self.unreadable:
            return UnreadablePdf.exit_code
        return 0 if self.passed else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "indication": self.indication,
            "subindication": self.subindication,
            "signatures": [sig.to_json() for sig in self.signatures],
            "error": self.error,
            "active_content": list(self.active_content),
        }

    def to_text(self) -> str:
        verdict = self.indication + (f" ({self.subindication})" if self.subindication else "")
        lines = [f"File: {self.file}", f"Result: {verdict}"]
        if self.error:
            lines.append(f"Error: {self.error}")
        elif not self.signatures:
            lines.append("The file carries no signature.")
        else:
            lines.append(f"Signatures: {len(self.signatures)}")
        if self.active_content:
            lines.append(
                "WARNING: active content (not covered by what a seal vouches for): "
                + "; ".join(self.active_content)
            )
        for number, sig in enumerate(self.signatures, 1):
            lines.append("")
            lines.extend(_text_block(number, sig))
        return "\n".join(lines) + "\n"


def _text_block(number: int, sig: SignatureReport) -> list[str]:
    def yes_no(value: bool | None, yes: str, no: str, unknown: str = "unknown") -> str:
        return unknown if value is None else (yes if value else no)

    who = " / ".join(part for part in (sig.signer, sig.dept) if part) or "unknown signer"
    serial = f" (certificate serial {sig.serial})" if sig.serial else ""
    verdict = sig.indication + (f" ({sig.subindication})" if sig.subindication else "")
    claimed = iso_time(sig.signing_time)
    rows = [
        ("Signer", who + serial),
        ("Signing time", f"{claimed} (claimed by the signer)" if claimed else "not stated"),
        ("Timestamp", iso_time(sig.timestamp) or "none"),
        ("Result", verdict),
        (
            "Integrity",
            yes_no(sig.intact, "content unchanged", "CONTENT CHANGED")
            + ", "
            + yes_no(sig.valid, "signature valid", "SIGNATURE INVALID"),
        ),
        ("Trust", yes_no(sig.trusted, "trusted", "not trusted")),
        ("Revocation", sig.revocation),
        ("Covers", sig.coverage or "unknown"),
        ("Changes after", sig.modifications or "unknown"),
    ]
    out = [f"[{number}] {sig.field}: {sig.kind}"]
    out.extend(f"    {label + ':':<15}{value}" for label, value in rows)
    for rev in sig.changes_after:
        out.append(f"    {'Revision ' + str(rev.revision) + ':':<15}{rev.describe()}")
    out.extend(f"    Note: {detail}" for detail in sig.details)
    return out


def worst(reports: Sequence[SignatureReport]) -> SignatureReport:
    """The report whose indication decides the file's: failed > indeterminate > passed."""
    return max(reports, key=lambda r: _RANK.get(r.indication, 3))
