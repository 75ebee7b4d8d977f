"""The Whoosh engine: the index of data homes made before tantivy, kept until they switch.

Pure Python. A reader is opened without memory maps (see `open`), a search scores every
match once to count them exactly (see `_top`), and a clearance filter is turned into the
small set of documents of the other levels (see `_restrictions`).
"""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh import collectors, query
from whoosh.filedb.filestore import FileStorage
from whoosh.idsets import BitSet, DocIdSet
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from indexer.engine import Filters, Found, Page
from indexer.schema import make_schema

NAME = "whoosh"
WRITER_MEMORY_MB = 64
SPELLING_FIELDS = ("spell_title", "spell_body")
# What a damaged index raises from Whoosh's readers (truncated, edited or missing files).
DAMAGE = (
    whoosh.index.IndexError,
    OSError,
    EOFError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
)
# Opening also decodes the table of contents, where damage shows as any malformed value.
OPEN_DAMAGE = (*DAMAGE, ValueError, KeyError, IndexError, TypeError)


def create(folder: Path) -> None:
    whoosh.index.create_in(str(folder), make_schema())


def open(folder: Path, readonly: bool) -> WhooshEngine:  # noqa: A001 - the engine's verb
    """The index in `folder`. A reader is opened without memory maps: Whoosh copies each
    mapped segment whole into memory when it opens it (about 1 s and over 1 GB at 100,000
    items), where plain file reads fetch only the postings and stored fields a search
    touches."""
    storage = FileStorage(str(folder), readonly=readonly, supports_mmap=not readonly)
    index = storage.open_index(schema=make_schema())
    index.doc_count()
    return WhooshEngine(index)


class WhooshWriter:
    def __init__(self, index: whoosh.index.Index) -> None:
        self._writer: IndexWriter = index.writer(limitmb=WRITER_MEMORY_MB)

    def add(self, fields: dict[str, Any]) -> None:
        self._writer.add_document(**fields)

    def replace(self, fields: dict[str, Any]) -> None:
        self._writer.update_document(**fields)

    def delete(self, item_id: str) -> None:
        self._writer.delete_by_term("id", item_id)

    def commit(self, purge: bool = False) -> None:
        """With `purge`, every segment is rewritten (optimized), dropping deleted documents."""
        self._writer.commit(optimize=purge)

    def cancel(self) -> None:
        self._writer.cancel()


class WhooshEngine:
    name = NAME

    def __init__(self, index: whoosh.index.Index) -> None:
        self.index = index
        self._searcher: Searcher | None = None

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = self.index.searcher()
        return self._searcher

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self.index.close()

    def writer(self, bulk: bool = False) -> WhooshWriter:
        """The same writer either way: Whoosh spills to disk at WRITER_MEMORY_MB."""
        self._drop_searcher()
        return WhooshWriter(self.index)

    def _drop_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def search(
        self, wanted: query.Query, filters: Filters, by_date: bool, offset: int, limit: int
    ) -> Page:
        """The hits from `offset` on, and the exact number of matches, in one pass.

        Whoosh's default collector skips blocks of postings that cannot reach the top, so it
        does not know how many documents matched and runs the whole query a second time when
        asked. Scoring every match once costs less than matching twice. (Its `optimize=False`
        is no substitute: the matcher still drops sub-queries that cannot reach the top, and
        the count comes out short.)
        """
        searcher = self.searcher
        collector: collectors.Collector
        if by_date:
            collector = searcher.collector(limit=offset + limit, sortedby="date", reverse=True)
        else:
            collector = collectors.TopCollector(offset + limit, usequality=False, replace=0)
        allow, mask = self._restrictions(filters)
        if allow is not None and not allow:  # Whoosh takes an empty filter for none at all
            return Page(total=0, found=[])
        if allow is not None or mask is not None:
            collector = collectors.FilterCollector(collector, allow=allow, restrict=mask)
        searcher.search_with_collector(wanted, collector)
        results = collector.results()
        found = [
            Found(dict(hit.fields()), float(hit.score) if _number(hit.score) else 0.0)
            for hit in list(results)[offset : offset + limit]
        ]
        return Page(total=len(results), found=found)

    def _restrictions(self, filters: Filters) -> tuple[DocIdSet | None, DocIdSet | None]:
        """The documents a search may find (None: all) and those it may not (None: none).

        The clearance filter names the levels a user may see, which are nearly always all
        the documents: it is turned into the set of documents of the other levels, which is
        small or empty, instead of a set of every document built on each search.
        """
        parts: list[query.Query] = []
        masked: list[query.Query] = []
        if filters.levels is not None:
            others = self._other_levels(filters.levels)
            if others is None:
                parts.append(query.Or([query.Term("classification", lv) for lv in filters.levels]))
            else:
                masked += [query.Term("classification", lv) for lv in others]
        parts += [query.Term(name, value) for name, value in filters.values]
        if filters.year is not None:
            parts.append(query.NumericRange("year", filters.year, filters.year))
        if filters.date_from or filters.date_to:
            parts.append(query.TermRange("date", filters.date_from, filters.date_to))
        allow = self._docs(query.And(parts)) if parts else None
        mask = self._docs(query.Or(masked)) if masked else None
        return allow, mask

    def _other_levels(self, levels: tuple[str, ...]) -> list[str] | None:
        """The classification levels in the index other than `levels`; None when some
        document has no level (then only the levels themselves describe what may be found).

        Each document has at most one level (an ID field), so the levels cover every
        document exactly when their document counts add up to the count of all documents.
        """
        reader = self.searcher.reader()
        present: dict[str, int] = {}
        for term in reader.lexicon("classification"):
            level = term.decode("utf-8") if isinstance(term, bytes) else term
            present[level] = reader.doc_frequency("classification", level)
        if sum(present.values()) != reader.doc_count_all():
            return None
        return [lv for lv in present if lv not in levels]

    def _docs(self, q: query.Query) -> DocIdSet:
        searcher = self.searcher
        return BitSet(searcher.docs_for_query(q), size=searcher.doc_count_all())

    def doc_frequency(self, field: str, term: str) -> int:
        frequency: int = self.searcher.reader().doc_frequency(field, term)
        return frequency

    def spellings(self, word: str, distance: int, prefix: int) -> dict[str, int]:
        """Each segment's reader walks its word list with an automaton from the first
        letters on; a reader of several segments would instead compare `word` with every
        word of every segment, and an automaton without the prefix jumps all over."""
        reader = self.searcher.reader()
        candidates: dict[str, int] = {}
        for field_name in SPELLING_FIELDS:
            if field_name not in reader.schema:
                continue
            found: set[str] = set()
            for leaf, _offset in reader.leaf_readers():
                found.update(leaf.terms_within(field_name, word, distance, prefix=prefix))
            for candidate in found:
                frequency = reader.doc_frequency(field_name, candidate)
                candidates[candidate] = candidates.get(candidate, 0) + frequency
        return candidates

    def visible(self, filters: Filters) -> tuple[int, list[dict[str, str]]]:
        searcher = self.searcher
        allow, mask = self._restrictions(filters)
        if allow is not None and not allow:  # an empty filter would count as no filter at all
            return 0, []
        unreadable = [
            {"id": h["id"], "archive_code": h["archive_code"], "reason": h["text_reason"]}
            for h in searcher.search(
                query.Term("text", "unavailable"), filter=allow, mask=mask, limit=None
            )
        ]
        indexed = len(searcher.search(query.Every(), filter=allow, mask=mask, limit=None))
        return indexed, unreadable

    def ids(self) -> list[str]:
        with self.index.reader() as reader:
            if reader.doc_count_all() == 0:
                return []
            ids = reader.column_reader("id")
            return [ids[n] for n in reader.all_doc_ids()]

    def stored(self, item_id: str) -> dict[str, Any] | None:
        with self.index.searcher() as searcher:
            found = searcher.document(id=item_id)
        return dict(found) if found is not None else None

    def document_count(self) -> int:
        count: int = self.index.doc_count()
        return count


def _number(value: object) -> bool:
    return isinstance(value, int | float)
