"""The tantivy engine: what a new data home's index is.

Text is analysed in Python (indexer/analysis.py) and handed to tantivy as its terms joined
by spaces, which tantivy's whitespace tokenizer splits back into the same terms at the same
positions; so tantivy holds exactly the terms the Whoosh engine would: Chinese bigrams,
stemmed English, lower-cased exact values. Handing over one string instead of a token
object per term (`PreTokenizedString`) writes several times faster. The text as written
is stored beside, in a field that is stored only. A term with a space inside (NFKC makes
one of a few Arabic and Greek letters) goes as a pre-tokenized string instead. An
exact-value field stores its value as written and indexes it lower-cased.

Each batch is one tantivy commit, atomic on disk; tantivy merges segments as they pile up
and deletes the files no commit names any more, so the folder does not grow with commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tantivy

from indexer.analysis import doc_no_key, index_terms, terms
from indexer.engine import Filters, Found, Page
from indexer.pool import Ordered
from indexer.spelling import edit_distance
from indexer.tantivy_query import compile_query, date_number, date_range

NAME = "tantivy"
WRITER_HEAP_BYTES = 64_000_000
BULK_HEAP_BYTES = 256_000_000  # a rebuild's writer: fewer, larger segments to merge
DAMAGE = (ValueError, OSError, RuntimeError)
OPEN_DAMAGE = DAMAGE

ANALYSED = ("title", "body", "doc_no")
EXACT = (
    "archive_code",
    "kind",
    "template",
    "dept",
    "classification",
    "retention",
    "status",
    "text",
)
BOOLEANS = ("sealed", "encrypted")
STORED = {name: f"{name}_stored" for name in ANALYSED}  # the text as written, stored only


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in ANALYSED:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
        builder.add_text_field(
            STORED[name], stored=True, tokenizer_name="raw", index_option="basic"
        )
    for name in EXACT:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("doc_no_key", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_text_field("date", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("date_n", indexed=True, fast=True)
    for name in BOOLEANS:
        builder.add_boolean_field(name, stored=True, indexed=True)
    builder.add_text_field("text_reason", stored=True, tokenizer_name="raw", index_option="basic")
    # Encrypted items: blind tokens (keyed HMACs) in order, stored so that the index can be
    # rewritten from itself; did-you-mean's words: readable titles' and texts' words.
    builder.add_text_field(
        "blind", stored=True, tokenizer_name="whitespace", index_option="position"
    )
    builder.add_text_field("spell", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


SCHEMA = make_schema()


def create(folder: Path) -> None:
    tantivy.Index(SCHEMA, path=str(folder), reuse=False)


def open(folder: Path, readonly: bool) -> TantivyEngine:  # noqa: A001 - the engine's verb
    if not (folder / "meta.json").is_file():
        raise OSError(f"{folder.name}: meta.json is missing")
    index = tantivy.Index.open(str(folder))
    engine = TantivyEngine(index)
    engine.document_count()  # reads the segments' metadata: damage shows here
    return engine


Terms = str | list[tuple[str, int, int]]  # joined by spaces, or spans if one has a space


def analysed(fields: dict[str, Any]) -> dict[str, Terms]:
    """The terms of a document's analysed fields and of its spelling words ("spell"): the
    analysis, most of the cost of writing, made apart so that other processes can make it
    (what it returns can be pickled)."""
    made: dict[str, Terms] = {}
    spelling: list[str] = []
    plain = True  # no text but ASCII: no term with a space inside
    for name in ANALYSED:
        value = fields.get(name)
        if value is not None:
            stemmed, typed = index_terms(value)
            made[name] = _joined(value, stemmed, value.isascii())
            if name != "doc_no":
                spelling += typed
                plain = plain and value.isascii()
    if spelling:
        made["spell"] = _joined("", spelling, plain)
    return made


def _joined(text: str, words: list[str], plain: bool) -> Terms:
    joined = " ".join(words)
    if plain or joined.split() == words:
        return joined
    return terms(text) if text else [(w, 0, 0) for w in words]


def document(fields: dict[str, Any], made: dict[str, Terms] | None = None) -> tantivy.Document:
    """The tantivy document of `documents.index_fields` output (`made`: its `analysed`)."""
    if made is None:
        made = analysed(fields)
    doc = tantivy.Document()
    doc.add_text("id", fields["id"])
    for name in ANALYSED:
        value = fields.get(name)
        if value is not None:
            _add_terms(doc, name, value, made[name])
            doc.add_pre_tokenized_text(STORED[name], _stored_only(value))
    for name in EXACT:
        value = fields.get(name)
        if value is not None:
            doc.add_pre_tokenized_text(name, _exact(str(value)))
    if fields.get("doc_no"):
        doc.add_text("doc_no_key", fields.get("doc_no_key") or doc_no_key(fields["doc_no"]))
    doc.add_integer("year", int(fields["year"]))
    doc.add_text("date", fields["date"])
    doc.add_integer("date_n", date_number(fields["date"]))
    for name in BOOLEANS:
        doc.add_boolean(name, bool(fields.get(name)))
    doc.add_pre_tokenized_text("text_reason", _stored_only(fields.get("text_reason") or ""))
    blind = fields.get("blind") or ""
    if blind:
        doc.add_text("blind", blind)
    if "spell" in made:
        _add_terms(doc, "spell", "", made["spell"])
    return doc


def _add_terms(doc: tantivy.Document, name: str, text: str, made: Terms) -> None:
    if isinstance(made, str):
        doc.add_text(name, made)
    else:  # a term with a space inside
        doc.add_pre_tokenized_text(name, _tokens(text, made))


def _tokens(text: str, spans: list[tuple[str, int, int]]) -> tantivy.PreTokenizedString:
    tokens = [tantivy.Token(term, pos, start, end) for pos, (term, start, end) in enumerate(spans)]
    return tantivy.PreTokenizedString(text, tokens)


def _exact(value: str) -> tantivy.PreTokenizedString:
    return _tokens(value, [(value.lower(), 0, len(value))])


def _stored_only(text: str) -> tantivy.PreTokenizedString:
    return _tokens(text, [])


_ORIGINAL = {stored: name for name, stored in STORED.items()}


def fields_of(stored: tantivy.Document) -> dict[str, Any]:
    """A stored document's fields, one value each, as `documents.index_fields` made them."""
    return {
        _ORIGINAL.get(name, name): values[0] for name, values in stored.to_dict().items() if values
    }


def analysed_many(documents: list[dict[str, Any]]) -> list[dict[str, Terms]]:
    return [analysed(fields) for fields in documents]


class TantivyWriter:
    """A batch of changes. In `bulk` (a rebuild), added documents are analysed by worker
    processes (indexer/pool.py) while this process writes the ones analysed before."""

    def __init__(self, index: tantivy.Index, bulk: bool) -> None:
        self._index = index
        heap = BULK_HEAP_BYTES if bulk else WRITER_HEAP_BYTES
        self._writer = index.writer(heap_size=heap, num_threads=1)
        self._pool = Ordered(analysed_many) if bulk else None

    def add(self, fields: dict[str, Any]) -> None:
        if self._pool is None:
            self._writer.add_document(document(fields))
            return
        for done, made in self._pool.put(fields):
            self._writer.add_document(document(done, made))

    def replace(self, fields: dict[str, Any]) -> None:
        """Delete then add in one commit: tantivy applies a delete to the documents added
        before it, so the new document stays."""
        self._flush()
        self._writer.delete_documents_by_term("id", fields["id"])
        self._writer.add_document(document(fields))

    def delete(self, item_id: str) -> None:
        self._flush()
        self._writer.delete_documents_by_term("id", item_id)

    def _flush(self) -> None:
        if self._pool is not None:
            for done, made in self._pool.drain():
                self._writer.add_document(document(done, made))

    def commit(self, purge: bool = False) -> None:
        """Commit, then (with `purge`) rewrite the index from its own stored fields into
        fresh segments, so no deleted document stays in any file; then wait for merges
        and drop the files no commit names (and the writer's lock)."""
        try:
            self._flush()
        finally:
            self._close_pool()
        self._writer.commit()
        if purge:
            self._rewrite()
        self._writer.garbage_collect_files()
        self._writer.wait_merging_threads()

    def _rewrite(self) -> None:
        self._index.reload()
        searcher = self._index.searcher()
        count = searcher.num_docs
        kept = []
        if count:
            found = searcher.search(tantivy.Query.all_query(), limit=count).hits
            kept = [fields_of(searcher.doc(address)) for _score, address in found]
        self._writer.delete_all_documents()
        for fields in kept:
            self._writer.add_document(document(fields))
        self._writer.commit()

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def cancel(self) -> None:
        self._close_pool()
        self._writer.rollback()
        self._writer.wait_merging_threads()


class TantivyEngine:
    name = NAME

    def __init__(self, index: tantivy.Index) -> None:
        self.index = index
        self._searcher: tantivy.Searcher | None = None

    @property
    def searcher(self) -> tantivy.Searcher:
        if self._searcher is None:
            self.index.reload()
            self._searcher = self.index.searcher()
        return self._searcher

    def close(self) -> None:
        self._searcher = None

    def writer(self, bulk: bool = False) -> TantivyWriter:
        self._searcher = None  # the next search sees what this writer commits
        return TantivyWriter(self.index, bulk)

    def _filter(self, filters: Filters) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """Clauses restricting a search to `filters` without changing its scores."""
        parts: list[tantivy.Query] = []
        if filters.levels is not None:
            parts.append(
                tantivy.Query.term_set_query(SCHEMA, "classification", list(filters.levels))
            )
        for name, value in filters.values:
            parts.append(tantivy.Query.term_query(SCHEMA, name, value))
        if filters.year is not None:
            parts.append(tantivy.Query.term_query(SCHEMA, "year", filters.year))
        if filters.date_from or filters.date_to:
            low = date_number(filters.date_from) if filters.date_from else None
            high = date_number(filters.date_to) if filters.date_to else None
            parts.append(date_range(SCHEMA, low, high))
        return [(tantivy.Occur.Must, tantivy.Query.const_score_query(p, 0.0)) for p in parts]

    def _restricted(self, wanted: tantivy.Query, filters: Filters) -> tantivy.Query:
        clauses = self._filter(filters)
        if not clauses:
            return wanted
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, wanted), *clauses])

    def search(self, wanted: Any, filters: Filters, by_date: bool, offset: int, limit: int) -> Page:
        compiled = self._restricted(compile_query(wanted, SCHEMA), filters)
        searcher = self.searcher
        if by_date:
            result = searcher.search(
                compiled,
                limit=limit,
                offset=offset,
                count=True,
                order_by_field="date_n",
                order=tantivy.Order.Desc,
            )
            scored = [(0.0, address) for _date, address in result.hits]
        else:
            result = searcher.search(compiled, limit=limit, offset=offset, count=True)
            scored = [(float(score), address) for score, address in result.hits]
        found = [Found(fields_of(searcher.doc(address)), score) for score, address in scored]
        return Page(total=int(result.count), found=found)

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents holding `term` (deleted ones not yet merged away count too)."""
        return int(self.searcher.doc_freq(field, term))

    def spellings(self, word: str, distance: int, prefix: int) -> dict[str, int]:
        found: dict[str, int] = {}
        for candidate, frequency in self.searcher.terms_with_prefix("spell", word[:prefix]):
            near = abs(len(candidate) - len(word)) <= distance and candidate != word
            if near and edit_distance(word, candidate) <= distance:
                found[candidate] = int(frequency)
        return found

    def visible(self, filters: Filters) -> tuple[int, list[dict[str, str]]]:
        searcher = self.searcher
        indexed = searcher.search(
            self._restricted(tantivy.Query.all_query(), filters), limit=1, count=True
        ).count
        unavailable = self._restricted(
            tantivy.Query.term_query(SCHEMA, "text", "unavailable"), filters
        )
        hits = searcher.search(unavailable, limit=max(indexed, 1)).hits
        unreadable = []
        for _score, address in hits:
            stored = fields_of(searcher.doc(address))
            unreadable.append(
                {
                    "id": stored["id"],
                    "archive_code": stored["archive_code"],
                    "reason": stored.get("text_reason", ""),
                }
            )
        return int(indexed), unreadable

    def ids(self) -> list[str]:
        """Read from the id terms of the documents not deleted (not the stored documents:
        at 100,000 items that would decompress them all; an aggregation stops at 65,000)."""
        if not self.document_count():
            return []
        every = tantivy.Query.all_query()
        return [term for term, _count in self.searcher.terms_with_prefix("id", "", every)]

    def stored(self, item_id: str) -> dict[str, Any] | None:
        searcher = self.searcher
        hits = searcher.search(tantivy.Query.term_query(SCHEMA, "id", item_id), limit=1).hits
        return fields_of(searcher.doc(hits[0][1])) if hits else None

    def document_count(self) -> int:
        return int(self.searcher.num_docs)
