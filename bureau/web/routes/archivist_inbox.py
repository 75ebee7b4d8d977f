"""The inbox page: what waits to be filed, what the watcher rejected and why, and a button
that runs the watcher once (`bureau watch --once`).

After the run the browser is sent back to the page (so a reload does not run it again)
with the run's counts in the address; they are only numbers, shown as such.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.errors import IndexBusy
from bureau.services import inbox
from bureau.web import pages

router = APIRouter()

COUNTS = ("filed", "duplicates", "rejected", "waiting")


@router.get("/inbox")
def inbox_page(request: Request) -> Response:
    with pages.acting(request) as archive:
        found = inbox.contents(archive)
    ran = request.query_params.get("ran") == "1"
    counts = {name: _count(request.query_params.get(name, "")) for name in COUNTS}
    return pages.render(
        request, "inbox.html", title="inbox.title", inbox=found, ran=ran, counts=counts
    )


@router.post("/inbox/process")
def process(request: Request, form: pages.Posted) -> Response:
    with pages.acting(request) as archive:
        try:
            tally = inbox.process_once(archive)
        except IndexBusy:  # `bureau watch` is running: it is filing the inbox already
            pages.flash(request, "inbox.busy")
            return pages.redirect("/inbox")
    counts = {name: getattr(tally, name) for name in COUNTS}
    return pages.redirect("/inbox?" + urlencode({"ran": 1, **counts}))


def _count(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 8 else 0
