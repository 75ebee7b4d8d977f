"""Search for archivists: a query string and filters in, ranked hits with snippets out.

The index is opened read-only, so searching works while the watcher writes: readers see
the last committed state. A query typed as a document number or archival code finds that
document first; otherwise words are searched in titles (weighted highest), document
numbers and text, all words required unless OR is written. The engine (indexer/engine.py)
is whichever the live generation was built with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.access import Visibility
from archive.errors import BadInput, IndexUnusable
from indexer import query
from indexer.engine import Engine, Filters, Found
from indexer.generations import IndexDir
from indexer.request import SORTS, SearchRequest
from indexer.snippets import opening, snippet
from indexer.spelling import suggest

MAX_LIMIT = 1000
FEW = 20  # documents with a query's words together, below which those close are added

# What a hit on an encrypted item needs from the archive: its readable title and text,
# decrypted in memory for a user cleared to see it.
Reveal = Callable[[str], tuple[str, str]]


@dataclass(frozen=True)
class Hit:
    id: str
    archive_code: str
    doc_no: str | None
    title: str
    date: str
    dept: str
    kind: str
    classification: str
    status: str
    sealed: bool
    text: str
    text_reason: str
    snippet: str
    score: float

    def to_json(self) -> dict[str, Any]:
        """The public JSON form of a hit (keys are an interface: add, never rename)."""
        return {
            "id": self.id,
            "archive_code": self.archive_code,
            "doc_no": self.doc_no,
            "title": self.title,
            "date": self.date,
            "dept": self.dept,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "kind": self.kind,
            "classification": self.classification,
            "status": self.status,
            "sealed": self.sealed,
            "text": self.text,
            "text_reason": self.text_reason or None,
        }


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    suggestion: str | None = None
    page: int = 1
    pages: int = 0
    position: int = 0  # the audit position the index had reached
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hits": [h.to_json() for h in self.hits],
            "suggestion": self.suggestion,
            "page": self.page,
            "pages": self.pages,
        } | self.extra


def validate(request: SearchRequest) -> None:
    if not request.text.strip():
        raise BadInput("give something to search for")
    if len(request.text) > 2000:
        raise BadInput("the query is longer than 2000 characters")
    if request.sort not in SORTS:
        raise BadInput(f"unknown sort {request.sort!r}: use relevance or date")
    if not 1 <= request.limit <= MAX_LIMIT:
        raise BadInput(f"--limit must be between 1 and {MAX_LIMIT}")
    if request.page < 1:
        raise BadInput("--page must be at least 1")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise BadInput("--from is after --to")


def search(index_dir: IndexDir, request: SearchRequest, reveal: Reveal | None = None) -> Results:
    """Run `request` against the live index (an index not built yet finds nothing).

    A writer may merge segments, or a rebuild switch generations, between our reading
    CURRENT and opening the files it names; one retry reads the new state. Failing twice
    means the index is damaged.
    """
    validate(request)
    for attempt in range(2):
        try:
            return _search_once(index_dir, request, reveal)
        except IndexUnusable:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _search_once(index_dir: IndexDir, request: SearchRequest, reveal: Reveal | None) -> Results:
    generation = index_dir.current()
    if generation is None:
        return Results(total=0, hits=[], page=request.page)
    position = index_dir.state(generation).position
    with index_dir.reading(generation) as engine:
        return run(engine, request, position, reveal)


def run(
    engine: Engine, request: SearchRequest, position: int = 0, reveal: Reveal | None = None
) -> Results:
    """`request` against one open engine: the words as typed; when they find few
    documents, also those where the words stand close; when they find none, those where
    the words stand anywhere, and then also with the characters at their ends beside any
    others (the ways of loosening are in indexer/query.py)."""
    filters = Filters.of(request)
    offset = (request.page - 1) * request.limit
    parsed, wanted = query.wanted(request.text, request.blind_key)
    page = engine.search(wanted, filters, request.sort == "date", offset, request.limit)
    if page.total >= FEW or not query.can_loosen(request.text):
        loosenings: tuple[str, ...] = ()
    else:
        loosenings = (query.CLOSE,) if page.total else (query.APART, query.LOOSE_ENDS)
    for loosened in loosenings:
        parsed, wanted = query.wanted(request.text, request.blind_key, loosened)
        page = engine.search(wanted, filters, request.sort == "date", offset, request.limit)
        if page.total:
            break
    total = page.total
    pages = -(-total // request.limit)
    words = query.words_of(parsed)
    hits = [_hit(found, reveal, words) for found in page.found]
    suggestion = suggest(engine, request.text, filters) if total == 0 else None
    return Results(
        total=total,
        hits=hits,
        suggestion=suggestion,
        page=request.page,
        pages=pages,
        position=position,
    )


def visible_documents(
    index_dir: IndexDir, generation: Any, visibility: Visibility
) -> tuple[int, list[dict[str, str]], int]:
    """How many documents of `generation` a user with `visibility` may find, those among
    them whose text could not be extracted (id, archival code, reason), and how many
    documents the index holds in all."""
    seen = Filters.of(SearchRequest(text="").seen_by(visibility, None))
    with index_dir.reading(generation) as engine:
        indexed, unreadable = engine.visible(seen)
        return indexed, unreadable, engine.document_count()


def _hit(found: Found, reveal: Reveal | None, words: set[str]) -> Hit:
    stored = found.stored
    title = stored.get("title", "")
    body = stored.get("body") or ""
    text = ""
    if stored.get("encrypted"):
        if reveal is not None:
            title, body = reveal(stored["id"])  # decrypted in memory, for a cleared user
            text = snippet(body, words)
    elif body:
        text = snippet(body, words) or opening(body)
    return Hit(
        id=stored["id"],
        archive_code=stored["archive_code"],
        doc_no=stored.get("doc_no"),
        title=title,
        date=stored.get("date", ""),
        dept=stored.get("dept", ""),
        kind=stored.get("kind", ""),
        classification=stored.get("classification", ""),
        status=stored.get("status", ""),
        sealed=bool(stored.get("sealed")),
        text=stored.get("text", "available"),
        text_reason=stored.get("text_reason", ""),
        snippet=text,
        score=found.score,
    )
