"""The search page: `bureau search` in a browser.

A GET form (it changes nothing, so it needs no CSRF token) with the same filters as the
command line, a page of hits at a time. Every hit and count comes from the search service,
which finds and counts only what the visitor may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams

from archive.errors import BadInput
from archive.filing import parse_date
from archive.vocab import CLASSIFICATIONS
from bureau.services import finding
from bureau.web import pages
from indexer.request import SORTS, SearchRequest

router = APIRouter()

PAGE_SIZES = (20, 50, 100)
FIELDS = ("q", "dept", "kind", "year", "from", "to", "classification", "sort", "limit")
MARK = "**"  # how the search service marks a matched word in a snippet: **word**


class FormError(BadInput):
    """A search field the visitor filled in wrongly: `key` names the message, `field`
    the input it is about."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


@dataclass(frozen=True)
class Asked:
    """The search form as the visitor filled it in (every value as typed)."""

    values: dict[str, str]
    page: int

    def link(self, **changes: str | int) -> str:
        """This search's address with `changes` (a page, a suggested query) applied."""
        values: dict[str, str | int] = {k: v for k, v in self.values.items() if v}
        values["page"] = self.page
        values.update(changes)
        if values.get("page") == 1:
            del values["page"]
        return "/search?" + urlencode(values)

    @property
    def filtered(self) -> bool:
        """Whether any filter beyond the words is set (to open the filters' panel)."""
        return any(self.values[k] for k in FIELDS if k not in ("q", "sort", "limit"))


@router.get("/search")
def search(request: Request) -> Response:
    asked = _asked(request.query_params)
    with pages.acting(request) as archive:
        departments = archive.config.departments
        results = None
        field, error_key, error_text = "", "", ""
        if asked.values["q"].strip():
            try:
                wanted = _request(asked, [d.code for d in departments])
                results = finding.search(archive, wanted)
            except FormError as exc:
                field, error_key = exc.field, exc.key
            except BadInput as exc:  # what the search service refuses, in its own words
                error_text = str(exc)
    return pages.render(
        request,
        "search.html",
        400 if error_key or error_text else 200,
        title="search.title",
        asked=asked,
        results=results,
        field=field,
        error_key=error_key,
        error_text=error_text,
        departments=departments,
        levels=CLASSIFICATIONS,
        sorts=SORTS,
        page_sizes=PAGE_SIZES,
        marked=marked,
    )


def _asked(params: QueryParams) -> Asked:
    values = {name: params.get(name, "").strip() for name in FIELDS}
    values["q"] = params.get("q", "")[:2000]
    page_text = params.get("page", "1").strip() or "1"
    page = (
        int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 0
    )
    return Asked(values, page)


def _request(asked: Asked, departments: list[str]) -> SearchRequest:
    """The service's request for what the form says; FormError naming a bad field."""
    v = asked.values
    dept = v["dept"].upper() or None
    if dept and dept not in departments:
        raise FormError("dept", "search.error.dept")
    classification = v["classification"] or None
    if classification and classification not in CLASSIFICATIONS:
        raise FormError("classification", "search.error.classification")
    sort = v["sort"] or "relevance"
    if sort not in SORTS:
        raise FormError("sort", "search.error.sort")
    limit = _number(v["limit"], "limit") if v["limit"] else PAGE_SIZES[0]
    if limit not in PAGE_SIZES:
        raise FormError("limit", "search.error.limit")
    if asked.page < 1:
        raise FormError("page", "search.error.page")
    year = _number(v["year"], "year") if v["year"] else None
    if year is not None and not 1900 <= year <= 9999:
        raise FormError("year", "search.error.year")
    date_from = _date(v["from"], "from")
    date_to = _date(v["to"], "to")
    if date_from and date_to and date_from > date_to:
        raise FormError("to", "search.error.range")
    return SearchRequest(
        text=v["q"],
        dept=dept,
        kind=" ".join(v["kind"].split()).lower() or None,
        year=year,
        date_from=date_from,
        date_to=date_to,
        classification=classification,
        sort=sort,
        limit=limit,
        page=asked.page,
    )


def _number(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise FormError(field, f"search.error.{field}")
    return int(text)


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text, field)
    except BadInput:
        raise FormError(field, "search.error.date") from None


def marked(snippet: str) -> Markup:
    """A snippet as HTML: its text escaped, and only the words the service marked
    (**word**) wrapped in <mark>. A stray marker is shown as the text it is."""
    parts = snippet.split(MARK)
    if len(parts) % 2 == 0:  # an odd number of markers: the last one opens nothing
        parts[-2:] = [parts[-2] + MARK + parts[-1]]
    out = Markup()
    for index, part in enumerate(parts):
        if index % 2:
            out += Markup("<mark>") + escape(part) + Markup("</mark>")
        else:
            out += escape(part)
    return out
