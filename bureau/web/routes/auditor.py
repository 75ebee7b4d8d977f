"""The auditor's pages: verifying the seals of PDFs handed in, the archive's integrity
check, and the audit trail (the administrator may use them too; the services decide)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from archive.access import Forbidden
from archive.errors import BadInput
from bureau.services import auditing, verifying
from bureau.web import pages
from bureau.web.routes import trail_view, verify_view

router = APIRouter()


# -- verifying seals -----------------------------------------------------------------------


@router.get("/verify")
def verify_form(request: Request) -> Response:
    with pages.acting(request) as archive:
        verifying.allowed(archive)
    return _verify_page(request)


@router.post("/verify")
def verify(request: Request, form: pages.Posted, format: str = "html") -> Response:
    """Verify the uploaded PDFs: a readable report, or with `format=json` the same report
    as `bureau verify --json` gives it (a download)."""
    uploads = [
        verifying.Upload(upload.filename or "", upload.file.read())
        for upload in pages.uploads(form, "files")
    ]
    as_of = pages.text(form, "at").strip()
    with pages.acting(request) as archive:
        verifying.allowed(archive)
        if not uploads:
            return _verify_page(request, 400, error="verify.no_files", at=as_of)
        try:
            at = datetime.fromisoformat(as_of) if as_of else None
        except ValueError:
            return _verify_page(request, 400, error="verify.bad_moment", at=as_of)
        reports = verifying.verify_uploads(archive, uploads, at)
    if format == "json":
        return JSONResponse(
            [report.to_json() for report in reports],
            headers={"Content-Disposition": 'attachment; filename="verification.json"'},
        )
    views = [verify_view.shown(r) for r in reports]
    return _verify_page(request, reports=views, tally=verify_view.summary(views), at=as_of)


def _verify_page(request: Request, status: int = 200, **context: object) -> Response:
    return pages.render(request, "verify.html", status, title="verify.title", **context)


# -- the archive's integrity -------------------------------------------------------------------


@router.get("/integrity")
def integrity_form(request: Request) -> Response:
    with pages.acting(request) as archive:
        auditing.allowed(archive)
    return pages.render(request, "integrity.html", title="integrity.title")


@router.post("/integrity")
def integrity(request: Request, form: pages.Posted) -> Response:
    """Run the whole check now and show what it found (it reads every stored file)."""
    with pages.acting(request) as archive:
        report = auditing.verify(archive)
    return pages.render(request, "integrity.html", title="integrity.title", report=report)


# -- the audit trail -------------------------------------------------------------------------


@router.get("/audit")
def audit(
    request: Request,
    actor: str = "",
    action: str = "",
    item: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    filters = {
        "actor": actor,
        "action": action,
        "item": item,
        "since": since,
        "until": until,
    }
    try:
        query = auditing.TrailQuery(
            actor=actor,
            action=action,
            item=item,
            since=_day(since),
            until=_day(until),
            page=_page(page),
        )
    except _BadFilter as exc:
        with pages.acting(request) as archive:
            auditing.allowed(archive)
        return _audit_page(request, filters, None, 400, error=exc.key)
    try:
        with pages.acting(request) as archive:
            found = auditing.trail(archive, query)
    except Forbidden:
        raise  # a role that may not audit: the 403 page
    except BadInput as exc:  # a reference naming several items, a range ending too early
        return _audit_page(request, filters, None, 400, message=str(exc))
    return _audit_page(request, filters, found)


def _audit_page(
    request: Request,
    filters: dict[str, str],
    found: auditing.TrailPage | None,
    status: int = 200,
    **context: object,
) -> Response:
    return pages.render(
        request,
        "audit.html",
        status,
        title="audit.title",
        filters=filters,
        found=found,
        rows=trail_view.rows(found) if found else [],
        pager=trail_view.pager(filters, found) if found else None,
        **context,
    )


class _BadFilter(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _day(text: str) -> date | None:
    """A date filter (YYYY-MM-DD, as a date input sends it), or None if left empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _BadFilter("audit.bad_date") from None


def _page(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise _BadFilter("audit.bad_page") from None
    if number < 1:
        raise _BadFilter("audit.bad_page")
    return number
