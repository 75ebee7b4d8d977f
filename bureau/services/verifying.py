"""Verifying PDFs that a person hands in over the network (the web's /verify page).

The files arrive as bytes with the names the sender gave them. Those names are only
shown: each file is written under a number into a private temporary directory, which
is removed as soon as the verdicts are in, and verified as `bureau verify` would verify
it (sealing.verify_files: the home's own root, its revocation list and its known
certificates).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from archive.errors import BadInput
from archive.service import Archive
from bureau.services import sealing
from seals.report import FileReport

NAME_LENGTH = 200  # characters of a sender's file name kept for the report


@dataclass(frozen=True)
class Upload:
    """One file as it came in: the sender's name for it (shown, never a path) and its bytes."""

    name: str
    data: bytes


def verify_uploads(
    archive: Archive, uploads: Sequence[Upload], at: datetime | None = None
) -> list[FileReport]:
    """One report per upload, in order, each naming the file as its sender did, validated
    now or as of `at` (a moment without a zone is in the home's). A file that is not a
    PDF at all gets the verifier's own verdict (TOTAL_FAILED with FORMAT_FAILURE), like
    any other file."""
    archive.require("verify", "verify PDFs")
    if not uploads:
        raise BadInput("choose one or more PDF files to verify")
    with tempfile.TemporaryDirectory(prefix="bureau-verify-") as private:
        paths = []
        for number, upload in enumerate(uploads, 1):
            path = Path(private) / f"{number}.pdf"
            path.write_bytes(upload.data)
            paths.append(path)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=archive.config.tz)
        reports = sealing.verify_files(archive, paths, [], at)
    for report, upload in zip(reports, uploads, strict=True):
        report.file = shown_name(upload.name)
    return reports


def shown_name(given: str) -> str:
    """The last part of a sender's file name (some browsers send a whole path), shortened;
    "upload" for none."""
    name = PurePosixPath(given.replace("\\", "/")).name.strip()
    return name[:NAME_LENGTH] or "upload"


def allowed(archive: Archive) -> None:
    """Forbidden unless the acting user may verify seals (the page offers the form only then)."""
    archive.require("verify", "verify PDFs")
