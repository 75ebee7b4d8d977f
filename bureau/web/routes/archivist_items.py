"""An item's page and its downloads.

`/items/{ref}` takes what `bureau show` takes: an id, an archival code or a document
number. An item the visitor may not see is the same plain 404 as one that does not exist
(the services answer NotFound for both, and the 404 page says nothing of which).
A download names a rendition (`docx`, `pdf`), never a path.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.errors import NotFound
from bureau.services import downloads, item_view
from bureau.web import pages

router = APIRouter()

RENDITION = re.compile(r"^[a-z0-9]{1,16}$")
SAFE_ASCII = re.compile(r"[^A-Za-z0-9._ ()+,-]")


@router.get("/items/{ref}/download")
def download(request: Request, ref: str, file: str = "") -> Response:
    rendition = file.strip().lower() or None
    if rendition is not None and not RENDITION.match(rendition):
        raise NotFound("no such file")  # a path or anything but a rendition's name
    with pages.acting(request) as archive:
        found = downloads.download(archive, ref, rendition)
    return Response(
        found.content,
        media_type=found.stored.media_type or "application/octet-stream",
        headers={"Content-Disposition": attachment(found.stored.name, found.stored.rendition)},
    )


@router.get("/items/{ref}")
def item(request: Request, ref: str) -> Response:
    with pages.acting(request) as archive:
        shown = item_view.view(archive, ref)
        departments = {d.code: d for d in archive.config.departments}
    return pages.render(
        request,
        "item.html",
        title="item.title",
        view=shown,
        item=shown.item,
        departments=departments,
    )


def attachment(name: str, rendition: str) -> str:
    """A Content-Disposition saying "save as `name`": its last path part only, without
    control characters, as RFC 6266 wants it (an ASCII fallback and the UTF-8 name)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if not base:
        base = f"document.{rendition}"
    fallback = SAFE_ASCII.sub("_", unicodedata.normalize("NFKD", base)).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(base, safe='')}"
