"""Generating a batch: upload a sheet (CSV or XLSX, one document per row), watch its
progress, and see what it made and which rows failed, with the row-error report."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from archive.access import Forbidden
from archive.errors import BadInput, NotFound
from bureau.services import batch_sheets, drafting
from bureau.web import pages
from bureau.web.routes.batch_jobs import Order, jobs_of

router = APIRouter()


@router.get("/batch")
def batch_form(request: Request) -> Response:
    with pages.acting(request) as archive:
        usable = drafting.usable(archive)
    chosen = {
        "template": request.query_params.get("template", ""),
        "lang": usable[0].language if usable else "",
        "pdf": True,
        "seal": True,
    }
    return _form(request, usable, chosen)


@router.post("/batch")
def batch_start(request: Request, form: pages.Posted) -> Response:
    chosen: dict[str, Any] = {
        "template": pages.text(form, "template"),
        "dept": pages.text(form, "dept"),
        "lang": pages.text(form, "lang"),
        "level": pages.text(form, "classification"),
        "pdf": pages.text(form, "pdf") == "on",
        "seal": pages.text(form, "seal") == "on",
        "all_or_nothing": pages.text(form, "all_or_nothing") == "on",
    }
    sheets = pages.uploads(form, "sheet")
    with pages.acting(request) as archive:
        usable = drafting.usable(archive)
        if not sheets:
            return _form(request, usable, chosen, error="batch.no_file")
        sheet = sheets[0]
        order = Order(
            chosen["template"],
            chosen["dept"],
            chosen["lang"],
            chosen["level"],
            chosen["pdf"],
            chosen["seal"],
            chosen["all_or_nothing"],
            sheet.filename or "sheet",
        )
        try:
            batch_sheets.check(
                archive, order.template, order.dept, order.lang, order.level, order.pdf, order.seal
            )
        except Forbidden:
            raise
        except BadInput as exc:
            return _form(request, usable, chosen, message=str(exc))
    sheet.file.seek(0)
    content = sheet.file.read()
    try:
        job = jobs_of(request.app.state).start(
            pages.server(request), pages.identity(request), order, content
        )
    except BadInput as exc:
        return _form(request, usable, chosen, message=str(exc))
    return pages.redirect(f"/batch/{quote(job.id, safe='')}")


@router.get("/batch/{job_id}")
def batch_page(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    return pages.render(request, "batch_job.html", title="batch.job_title", job=job)


@router.get("/batch/{job_id}/status")
def batch_status(request: Request, job_id: str) -> Response:
    return JSONResponse(_job(request, job_id).status())


@router.get("/batch/{job_id}/errors.csv")
def batch_errors(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    if job.report is None:
        raise NotFound("this batch has no row errors")
    return Response(
        job.report,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="batch-errors.csv"'},
    )


def _job(request: Request, job_id: str):
    """The visitor's own batch `job_id` (404 for anybody else's)."""
    with pages.acting(request):
        owner = pages.identity(request).name
    return jobs_of(request.app.state).get(job_id, owner)


def _form(
    request: Request,
    usable: list[drafting.Choices],
    chosen: dict[str, Any],
    error: str | None = None,
    message: str = "",
) -> Response:
    departments = {d.code: d for c in usable for d in c.departments}
    failed = bool(error or message)
    return pages.render(
        request,
        "batch.html",
        400 if failed else 200,
        title="batch.title",
        usable=usable,
        departments=sorted(departments.values(), key=lambda d: d.code),
        languages=sorted({lang for c in usable for lang in c.languages}),
        levels=usable[0].levels if usable else (),
        may_seal=any(c.may_seal for c in usable),
        chosen=chosen,
        error=error,
        message=message,
    )
