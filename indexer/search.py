"""Search for archivists: a query string and filters in, ranked hits with snippets out.

The index is opened read-only, so searching works while the watcher writes: Whoosh readers
see the last committed state. A query typed as a document number or archival code finds
that document first; otherwise words are searched in titles (weighted highest), document
numbers and text, all words required unless OR is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import whoosh.index
from whoosh import collectors, highlight, qparser, query
from whoosh.idsets import BitSet, DocIdSet
from whoosh.searching import Hit as WhooshHit
from whoosh.searching import Results as WhooshResults
from whoosh.searching import ResultsPage, Searcher

from archive.access import Visibility
from archive.codes import parse as parse_code
from archive.errors import BadInput, BureauError, IndexUnusable
from indexer.analysis import doc_no_key, is_cjk, mixed_analyzer, words
from indexer.documents import blind_token
from indexer.generations import DAMAGE, REBUILD, IndexDir
from indexer.request import SORTS, SearchRequest
from indexer.schema import FIELD_ALIASES, QUERY_FIELDS

EXACT_BOOST = 1000.0
SNIPPET_CHARS = 160
MAX_LIMIT = 1000
SPELLING_FIELDS = ("spell_title", "spell_body")
SPELLING_DISTANCE = 2
SPELLING_PREFIX = 1  # letters a respelling shares with the word as typed
SUGGESTION_TRIES = 3
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


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
        except (IndexUnusable, *DAMAGE) as exc:
            if attempt:
                if isinstance(exc, IndexUnusable):
                    raise
                raise IndexUnusable(f"the search index is damaged ({exc}): {REBUILD}") from exc
    raise AssertionError("unreachable")


def _search_once(index_dir: IndexDir, request: SearchRequest, reveal: Reveal | None) -> Results:
    generation = index_dir.current()
    if generation is None:
        return Results(total=0, hits=[], page=request.page)
    position = index_dir.state(generation).position
    index = index_dir.open(generation, readonly=True)
    try:
        with index.searcher() as searcher:
            return _run(index, searcher, request, position, reveal)
    finally:
        index.close()


def _run(
    index: whoosh.index.Index,
    searcher: Searcher,
    request: SearchRequest,
    position: int,
    reveal: Reveal | None = None,
) -> Results:
    parser = _parser(index)
    parsed = _parse(parser, request.text)
    if request.blind_key is not None:
        parsed = parsed.accept(partial(_or_blind, request.blind_key))
    exact = _exact(request.text)
    wanted = query.Or([*exact, parsed]) if exact else parsed
    allow, mask = _restrictions(searcher, request)
    if allow is not None and not allow:  # Whoosh would take an empty filter for none at all
        return Results(
            total=0, hits=[], suggestion=None, page=request.page, pages=0, position=position
        )
    page = ResultsPage(
        _top(searcher, wanted, request, allow, mask), request.page, pagelen=request.limit
    )
    total = page.total
    words = _words_of(parsed)
    hits = [_hit(h, reveal, words) for h in page] if request.page <= max(page.pagecount, 1) else []
    suggestion = _suggest(searcher, parser, request, allow, mask) if total == 0 else None
    return Results(
        total=total,
        hits=hits,
        suggestion=suggestion,
        page=request.page,
        pages=page.pagecount if total else 0,
        position=position,
    )


def _top(
    searcher: Searcher,
    wanted: query.Query,
    request: SearchRequest,
    allow: DocIdSet | None,
    mask: DocIdSet | None,
) -> WhooshResults:
    """The first `page * limit` hits, and the exact number of matches, in one pass.

    Whoosh's default collector skips blocks of postings that cannot reach the top, so it
    does not know how many documents matched and runs the whole query a second time when
    asked. Scoring every match once costs less than matching twice. (Its `optimize=False`
    is no substitute: the matcher still drops sub-queries that cannot reach the top, and
    the count comes out short.)
    """
    limit = request.page * request.limit
    collector: collectors.Collector
    if request.sort == "date":
        collector = searcher.collector(limit=limit, sortedby="date", reverse=True)
    else:
        collector = collectors.TopCollector(limit, usequality=False, replace=0)
    if allow is not None or mask is not None:
        collector = collectors.FilterCollector(collector, allow=allow, restrict=mask)
    searcher.search_with_collector(wanted, collector)
    return collector.results()


def _parser(index: whoosh.index.Index) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(QUERY_FIELDS), index.schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FieldAliasPlugin({v: [k] for k, v in FIELD_ALIASES.items()}))
    return parser


def _parse(parser: qparser.QueryParser, text: str) -> query.Query:
    """The query tree; malformed syntax (unbalanced quotes, brackets) is searched literally."""
    try:
        parsed = parser.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises many types on odd input
        parsed = None
    if parsed is None or parsed is query.NullQuery:
        literal = " ".join(text.replace('"', " ").replace("(", " ").replace(")", " ").split())
        parsed = parser.parse(literal) if literal else query.NullQuery
    return parsed.accept(_cjk_edges)


def _lone_cjk(word: object) -> bool:
    return isinstance(word, str) and len(word) == 1 and is_cjk(word)


def _cjk_edges(q: query.Query) -> query.Query:
    """Let a lone Chinese character at a query's edge match inside the text's bigrams.

    A character standing alone in the query (`号` in `12号`, or `安`) is a bigram's first
    or second character in the text (`12号文件` is indexed 12 号文 文件): at the end of a
    phrase it is searched as a bigram prefix, at the start as a bigram suffix, and alone as
    either.
    """
    if isinstance(q, query.Term) and _lone_cjk(q.text):
        return query.Or(
            [_starting(q.fieldname, q.text), _ending(q.fieldname, q.text)], boost=q.boost
        )
    if (
        isinstance(q, query.Phrase)
        and q.words
        and (_lone_cjk(q.words[0]) or _lone_cjk(q.words[-1]))
    ):
        parts: list[query.Query] = [query.Term(q.fieldname, w) for w in q.words]
        if _lone_cjk(q.words[-1]):
            parts[-1] = _starting(q.fieldname, q.words[-1])
        if _lone_cjk(q.words[0]):
            parts[0] = query.Or(
                [query.Term(q.fieldname, q.words[0]), _ending(q.fieldname, q.words[0])]
            )
        return query.Sequence(parts, boost=q.boost)
    return q


def _starting(fieldname: str, char: str) -> query.Query:
    return query.Prefix(fieldname, char)


def _ending(fieldname: str, char: str) -> query.Query:
    return query.Wildcard(fieldname, "?" + char)


def _exact(text: str) -> list[query.Query]:
    """Queries matching the document the whole text names, as a number, code or id."""
    exact: list[query.Query] = []
    key = doc_no_key(text)
    if key:
        exact.append(query.Term("doc_no_key", key, boost=EXACT_BOOST))
    try:
        code = str(parse_code(text.strip())).lower()
    except BureauError:
        code = None
    if code:
        exact.append(query.Term("archive_code", code, boost=EXACT_BOOST))
    stripped = text.strip()
    if len(stripped) == 26 and stripped.isalnum():
        exact.append(query.Term("id", stripped.upper(), boost=EXACT_BOOST))
    return exact


def _or_blind(key: bytes, q: query.Query) -> query.Query:
    """A word or phrase of the title or text also matches the blind tokens of encrypted
    items (exact words only: a prefix or wildcard has no blind form)."""
    if isinstance(q, query.Term) and q.fieldname in ("title", "body"):
        return query.Or([q, query.Term("blind", blind_token(key, q.text))])
    if isinstance(q, query.Phrase) and q.fieldname in ("title", "body"):
        blind = query.Phrase("blind", [blind_token(key, w) for w in q.words])
        return query.Or([q, blind])
    return q


def _words_of(q: query.Query) -> set[str]:
    """The analysed words a query looks for in titles and text (to mark in snippets)."""
    return {
        text if isinstance(text, str) else text.decode("utf-8")
        for fieldname, text in q.iter_all_terms()
        if fieldname in ("title", "body")
    }


def _restrictions(
    searcher: Searcher, request: SearchRequest
) -> tuple[DocIdSet | None, DocIdSet | None]:
    """The documents a request may find (None: all) and those it may not (None: none).

    The clearance filter names the levels a user may see, which are nearly always all
    the documents: it is turned into the set of documents of the other levels, which is
    small or empty, instead of a set of every document built on each search.
    """
    parts: list[query.Query] = []
    masked: list[query.Query] = []
    if request.levels is not None:
        others = _other_levels(searcher.reader(), request.levels)
        if others is None:
            parts.append(query.Or([query.Term("classification", lv) for lv in request.levels]))
        else:
            masked += [query.Term("classification", lv) for lv in others]
    if request.only_dept:
        parts.append(query.Term("dept", request.only_dept.lower()))
    for name in ("dept", "kind", "classification"):
        value = getattr(request, name)
        if value:
            parts.append(query.Term(name, value.lower()))
    if request.year is not None:
        parts.append(query.NumericRange("year", request.year, request.year))
    if request.date_from or request.date_to:
        start = request.date_from.isoformat() if request.date_from else None
        end = request.date_to.isoformat() if request.date_to else None
        parts.append(query.TermRange("date", start, end))
    allow = _docs(searcher, query.And(parts)) if parts else None
    mask = _docs(searcher, query.Or(masked)) if masked else None
    return allow, mask


def _other_levels(reader: Any, levels: tuple[str, ...]) -> list[str] | None:
    """The classification levels in the index other than `levels`; None when some
    document has no level (then only the levels themselves describe what may be found).

    Each document has at most one level (an ID field), so the levels cover every document
    exactly when their document counts add up to the count of all documents.
    """
    present: dict[str, int] = {}
    for term in reader.lexicon("classification"):
        level = term.decode("utf-8") if isinstance(term, bytes) else term
        present[level] = reader.doc_frequency("classification", level)
    if sum(present.values()) != reader.doc_count_all():
        return None
    return [lv for lv in present if lv not in levels]


def visible_documents(
    index_dir: IndexDir, generation: Any, visibility: Visibility
) -> tuple[int, list[dict[str, str]]]:
    """How many documents of `generation` a user with `visibility` may find, and those
    among them whose text could not be extracted (id, archival code, reason)."""
    seen = query.Or([query.Term("classification", level) for level in visibility.levels])
    if visibility.dept is not None:
        seen = query.And([seen, query.Term("dept", visibility.dept.lower())])
    index = index_dir.open(generation, readonly=True)
    try:
        with index.searcher() as searcher:
            allowed = _docs(searcher, seen)
            if not allowed:  # an empty filter would count as no filter at all
                return 0, []
            unreadable = [
                {"id": h["id"], "archive_code": h["archive_code"], "reason": h["text_reason"]}
                for h in searcher.search(
                    query.Term("text", "unavailable"), filter=allowed, limit=None
                )
            ]
            indexed = len(searcher.search(query.Every(), filter=allowed, limit=None))
    finally:
        index.close()
    return indexed, unreadable


def _docs(searcher: Searcher, q: query.Query) -> DocIdSet:
    return BitSet(searcher.docs_for_query(q), size=searcher.doc_count_all())


class _Marker(highlight.Formatter):
    """Marks matches as **word**, merging the overlapping bigrams of one Chinese word."""

    between = " … "

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> str:
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: (t.startchar, t.endchar)):
            if token.startchar is None:
                continue
            if spans and token.startchar <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], token.endchar)
            else:
                spans.append([token.startchar, token.endchar])
        text, out, index = fragment.text, [], fragment.startchar
        for start, end in spans:
            out.append(text[index:start])
            out.append(f"**{text[start:end]}**")
            index = end
        out.append(text[index : fragment.endchar])
        return " ".join("".join(out).split())


_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=50),
    formatter=_Marker(),
)


def _hit(hit: WhooshHit, reveal: Reveal | None, words: set[str]) -> Hit:
    stored = hit.fields()
    title = stored.get("title", "")
    body = stored.get("body") or ""
    snippet = ""
    if stored.get("encrypted"):
        if reveal is not None:
            title, body = reveal(stored["id"])  # decrypted in memory, for a cleared user
            snippet = _snippet(body, words)
    elif body:
        hit.results.highlighter = _HIGHLIGHTER
        snippet = hit.highlights("body", top=2) or _opening(body)
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
        snippet=snippet,
        score=float(hit.score) if isinstance(hit.score, int | float) else 0.0,
    )


def _snippet(text: str, words: set[str]) -> str:
    """A highlighted snippet of a text that is not in the index (decrypted in memory)."""
    if not text:
        return ""
    terms = frozenset(words)
    marked = highlight.highlight(
        text,
        terms,
        mixed_analyzer(),
        _HIGHLIGHTER.fragmenter,
        _HIGHLIGHTER.formatter,
        top=2,
    )
    return marked or _opening(text)


def _opening(text: str) -> str:
    return " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]


def _suggest(
    searcher: Searcher,
    parser: qparser.QueryParser,
    request: SearchRequest,
    allow: DocIdSet | None,
    mask: DocIdSet | None,
) -> str | None:
    """The query with its unknown English words respelled as close indexed words, if that
    finds something; else None. Operators and field names are left as typed."""
    reader = searcher.reader()
    choices: list[tuple[str, list[str]]] = []
    for word in _plain_words(request.text):
        lower = word.lower()
        if any(reader.doc_frequency(f, t) for f in ("title", "body") for t in words(lower)):
            continue
        ranked = _respellings(reader, lower)
        if ranked:
            choices.append((word, ranked))
    if not choices:
        return None
    for attempt in range(SUGGESTION_TRIES):
        suggestion = request.text
        for word, ranked in choices:
            pick = ranked[min(attempt, len(ranked) - 1)]
            suggestion = re.sub(rf"(?<![\w:]){re.escape(word)}\b", pick, suggestion, count=1)
        found = searcher.search(_parse(parser, suggestion), limit=1, filter=allow, mask=mask)
        if found.scored_length():
            return suggestion
    return None


def _plain_words(text: str) -> list[str]:
    """The words of a query that are search words, not operators or `field:` names."""
    found = []
    for match in re.finditer(r"(?<![\w:*?])([A-Za-z]{3,})(?![\w:*?])", text):
        if match.group(1) not in OPERATORS:
            found.append(match.group(1))
    return list(dict.fromkeys(found))


def _respellings(reader: Any, word: str) -> list[str]:
    """Indexed words within SPELLING_DISTANCE of `word` that start with its first letter
    (typing slips are rarely there), closest and commonest first.

    Each segment's reader walks its word list with an automaton from the first letter on;
    a reader of several segments would instead compare `word` with every word of every
    segment, and an automaton without the prefix jumps all over the word list."""
    candidates: dict[str, int] = {}
    for field_name in SPELLING_FIELDS:
        if field_name not in reader.schema:
            continue
        found: set[str] = set()
        for leaf, _offset in reader.leaf_readers():
            found.update(
                leaf.terms_within(field_name, word, SPELLING_DISTANCE, prefix=SPELLING_PREFIX)
            )
        for candidate in found:
            frequency = reader.doc_frequency(field_name, candidate)
            candidates[candidate] = candidates.get(candidate, 0) + frequency
    return sorted(candidates, key=lambda c: (edit_distance(word, c), -candidates[c], c))


def edit_distance(a: str, b: str) -> int:
    """Edits between two words: insertions, deletions, substitutions, and swaps of two
    neighbouring letters (optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
