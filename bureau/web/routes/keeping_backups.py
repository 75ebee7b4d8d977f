"""/backups: an administrator backs up the home onto the shelf fixed for it (see
bureau/services/backup_shelf.py; a browser never names a server path), sees every backup
there with its last check, and checks one again. No restore: that makes a new data home,
at the server."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bureau.services import backup_shelf
from bureau.web import pages

router = APIRouter()


@router.get("/backups")
def backups_page(request: Request) -> Response:
    with pages.acting(request) as archive:
        shelved = backup_shelf.listing(archive)
        shelf = backup_shelf.folder(archive)
    return pages.render(
        request, "backups.html", title="keep.backups.title", shelved=shelved, shelf=str(shelf)
    )


@router.post("/backups")
def make(request: Request, form: pages.Posted) -> Response:
    tar = pages.text(form, "tar") == "yes"
    with pages.acting(request) as archive:
        report = backup_shelf.make(archive, pages.text(form, "name"), tar)
    return pages.render(
        request, "backups_done.html", title="keep.backups.done_title", report=report
    )


@router.post("/backups/verify")
def verify(request: Request, form: pages.Posted) -> Response:
    name = pages.text(form, "name")
    with pages.acting(request) as archive:
        result = backup_shelf.check(archive, name)
    pages.flash(request, "keep.backups.checked_ok" if result.ok else "keep.backups.checked_bad")
    return pages.redirect("/backups")
