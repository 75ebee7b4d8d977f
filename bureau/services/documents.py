"""Documents in the archive: filing, showing, retrieving and listing them, and the
document-number register."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive.access import User
from archive.errors import BureauError
from archive.filing import FiledResult, FilingRequest, Metadata, SealCheck
from archive.items import Item, StoredFile
from archive.numbers import Number
from archive.service import Archive


def file(archive: Archive, request: FilingRequest) -> FiledResult:
    """File a document from outside (its seal, if any, checked against the home's own)."""
    from bureau.services import intake  # the seal libraries: only when filing

    archive.require("file", "file documents")
    if request.documents and request.seal is None:
        request.seal = intake.seal_check(archive, request.documents[0].path)
    return archive.file(request, filing_allowed(archive.user))


def file_batch(archive: Archive, requests: list[FilingRequest]) -> list[FiledResult | BureauError]:
    """File many documents from outside as one group commit (the inbox's bulk intake),
    each checked as `file` checks it: what each became, in order."""
    archive.require("file", "file documents")
    for request in requests:
        if request.documents and request.seal is None:
            request.seal = _seal_check(archive, request.documents[0].path)
    return archive.file_batch(requests, filing_allowed(archive.user))


def _seal_check(archive: Archive, path: Path) -> SealCheck | None:
    """The seal verdict of a PDF (`intake.seal_check`); the seal libraries, seconds to
    load, are loaded only once a PDF comes (a batch of DOCX never needs them)."""
    if path.suffix.lower() != ".pdf":
        return None
    from bureau.services import intake

    return intake.seal_check(archive, path)


def file_generated(archive: Archive, request: FilingRequest) -> FiledResult:
    """File what a use case of this layer made itself (a generated or sealed document,
    a destruction register): the use case has already decided the user may make it."""
    return archive.file(request, filing_allowed(archive.user))


def filing_allowed(user: User) -> Callable[[Metadata], None]:
    """The decision on a filing's metadata: a secretary files for their own department
    only, and nobody files above their clearance."""

    def allowed(meta: Metadata) -> None:
        user.require_dept(meta.dept, "file documents")
        user.require_level(meta.classification, f"file {meta.classification} documents")

    return allowed


def show(archive: Archive, ref: str) -> tuple[Item, dict[str, object]]:
    """The item `ref` names and what screening found when it was filed."""
    archive.require("read", "read items")
    item = archive.resolve(ref)
    return item, archive.intake_notes(item)


def retrieve(
    archive: Archive, ref: str, out: Path, rendition: str | None = None, overwrite: bool = False
) -> tuple[Item, StoredFile, Path]:
    """Write a rendition (default: the official one) to `out`, verified against its hash."""
    archive.require("get", "retrieve files")
    return archive.get(ref, out, rendition, overwrite)


def fetch(
    archive: Archive, ref: str, rendition: str | None = None
) -> tuple[Item, StoredFile, bytes]:
    """A rendition's verified content in memory (for a front end that sends it on)."""
    archive.require("get", "retrieve files")
    return archive.fetch(ref, rendition)


def list_items(
    archive: Archive,
    dept: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    limit: int | None = None,
) -> list[Item]:
    archive.require("read", "list items")
    return archive.list(dept=dept, kind=kind, year=year, limit=limit)


def number_register(archive: Archive, year: int | None = None) -> list[Number]:
    archive.require("read", "read the number register")
    return archive.number_register(year)
