"""/retention: what is due for disposal or review as of a day, the holds in force, and the
forms that hold, release and review an item. The services decide who may (an archivist,
an administrator); everyone else gets their refusal as a 403 page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.errors import BadInput
from archive.filing import parse_date
from bureau.services import holding, retention
from bureau.web import pages

router = APIRouter()


@router.get("/retention")
def due_page(request: Request, as_of: str = "") -> Response:
    day = _day(as_of)
    with pages.acting(request) as archive:
        due = retention.due(archive, day)
        held = holding.in_force(archive)
    return pages.render(
        request,
        "retention.html",
        title="keep.retention.title",
        due=due,
        held=held,
        as_of=day.isoformat() if day else "",
    )


@router.post("/retention/hold")
def hold(request: Request, form: pages.Posted) -> Response:
    with pages.acting(request) as archive:
        retention.hold(archive, _ref(form), pages.text(form, "reason"))
    pages.flash(request, "keep.hold.placed")
    return _back(form)


@router.post("/retention/release")
def release(request: Request, form: pages.Posted) -> Response:
    with pages.acting(request) as archive:
        retention.release(archive, _ref(form))
    pages.flash(request, "keep.hold.released")
    return _back(form)


@router.post("/retention/review")
def review(request: Request, form: pages.Posted) -> Response:
    decision = pages.text(form, "decision")
    if decision == "dispose":
        years, dispose = None, True
    elif decision == "extend":
        years, dispose = _years(pages.text(form, "years")), False
    else:
        raise BadInput("choose to keep the item longer or to let it be disposed of")
    with pages.acting(request) as archive:
        retention.review(archive, _ref(form), years, dispose)
    pages.flash(request, "keep.review.extended" if years else "keep.review.disposable")
    return _back(form)


def _day(value: str) -> date | None:
    """The day asked for (today if none): BadInput naming the field if it is no date."""
    return parse_date(value, "date") if value.strip() else None


def _ref(form) -> str:
    ref = pages.text(form, "ref").strip()
    if not ref:
        raise BadInput("no item was named")
    return ref


def _years(value: str) -> int:
    if not value.strip().isdigit():
        raise BadInput(f"years to keep the item longer: {value!r} is not a whole number")
    return int(value)


def _back(form) -> Response:
    """Back to the due list of the day it was showing."""
    day = _day(pages.text(form, "as_of"))
    return pages.redirect("/retention" + (f"?as_of={day.isoformat()}" if day else ""))
