"""/disposal: the disposal lists and their two-person rule.

One person (an archivist or administrator) proposes a list of what is due as of a day;
another administrator approves it by typing their own password again; then it may be
executed, which destroys the items — so execution sits behind a page that says what will
be destroyed and asks once more. The archive refuses the proposer's own approval; the
page tells them why.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.access import Forbidden
from archive.errors import BadInput, NotFound
from archive.filing import parse_date
from bureau.services import approval, disposal, disposal_view, retention, signin
from bureau.services.signin import SignInFailed
from bureau.web import pages

router = APIRouter()


@router.get("/disposal")
def lists_page(request: Request) -> Response:
    with pages.acting(request) as archive:
        found = retention.disposal_lists(archive)
        today = datetime.now(archive.config.tz).date()
    found.reverse()  # the newest first
    return pages.render(
        request, "disposal.html", title="keep.disposal.title", lists=found, today=today
    )


@router.post("/disposal")
def propose(request: Request, form: pages.Posted) -> Response:
    as_of = parse_date(pages.text(form, "as_of"), "date")
    with pages.acting(request) as archive:
        proposed = retention.propose(archive, as_of)
    if proposed is None:
        pages.flash(request, "keep.disposal.nothing_due")
        return pages.redirect("/disposal")
    pages.flash(request, "keep.disposal.proposed")
    return pages.redirect(f"/disposal/{proposed.id}")


@router.get("/disposal/{list_id}")
def list_page(request: Request, list_id: str) -> Response:
    return _list_page(request, list_id)


@router.post("/disposal/{list_id}/approve")
def approve(request: Request, list_id: str, form: pages.Posted) -> Response:
    password = pages.text(form, "password")
    here = pages.server(request)
    name = pages.identity(request).name
    address = request.client.host if request.client else "unknown"
    try:
        here.throttle.check(name, address)  # a password guessed here counts as at sign-in
        with pages.acting(request) as archive:
            approval.approve_confirmed(archive, list_id, password)
    except signin.TooManyAttempts:
        return _list_page(request, list_id, error="login.throttled", status=429)
    except SignInFailed:
        here.throttle.failed(name, address)
        return _list_page(request, list_id, error="keep.approve.wrong_password", status=403)
    except (Forbidden, NotFound):
        raise  # the error pages (403, 404) say it
    except BadInput as exc:  # the proposer, a list not proposed, an item put on hold
        return _list_page(request, list_id, message=str(exc), status=400)
    pages.flash(request, "keep.approve.done")
    return pages.redirect(f"/disposal/{list_id}")


@router.post("/disposal/{list_id}/cancel")
def cancel(request: Request, list_id: str, form: pages.Posted) -> Response:
    try:
        with pages.acting(request) as archive:
            retention.cancel(archive, list_id)
    except (Forbidden, NotFound):
        raise  # the error pages (403, 404) say it
    except BadInput as exc:
        return _list_page(request, list_id, message=str(exc), status=400)
    pages.flash(request, "keep.cancel.done")
    return pages.redirect(f"/disposal/{list_id}")


@router.get("/disposal/{list_id}/execute")
def execute_page(request: Request, list_id: str) -> Response:
    with pages.acting(request) as archive:
        shown = disposal_view.one(archive, list_id)
    return pages.render(
        request,
        "disposal_execute.html",
        title="keep.execute.title",
        found=shown.disposal,
        hidden=shown.hidden,
    )


@router.post("/disposal/{list_id}/execute")
def execute(request: Request, list_id: str, form: pages.Posted) -> Response:
    if pages.text(form, "confirm") != list_id:
        raise BadInput("the destruction was not confirmed: use the button on the list's page")
    try:
        with pages.acting(request) as archive:
            done = disposal.execute(archive, list_id)
            shown = disposal_view.seen(archive, done.disposal)
    except (Forbidden, NotFound):
        raise  # the error pages (403, 404) say it
    except BadInput as exc:  # not approved, an item put on hold since
        return _list_page(request, list_id, message=str(exc), status=400)
    return pages.render(
        request,
        "disposal_done.html",
        title="keep.execute.done_title",
        done=done,
        found=shown.disposal,
        hidden=shown.hidden,
    )


def _list_page(
    request: Request, list_id: str, error: str | None = None, message: str = "", status: int = 200
) -> Response:
    with pages.acting(request) as archive:
        shown = disposal_view.one(archive, list_id)
    return pages.render(
        request,
        "disposal_list.html",
        status,
        title="keep.list.title",
        found=shown.disposal,
        hidden=shown.hidden,
        error=error,
        message=message,
    )
