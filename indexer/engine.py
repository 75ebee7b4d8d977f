"""The one interface the rest of the bureau has to an index engine, and the choice of engine.

An engine holds one generation's index (indexer/generations.py) and does what search and
the indexer need of it: add, replace and delete an item's document and commit; find the
documents a query tree (indexer/query.py) matches within some filters, by relevance or by
date, a page at a time; count and list what it holds; and offer indexed words for
did-you-mean. Two engines implement it: tantivy (indexer/tantivy_engine.py, what a new data
home uses) and Whoosh (indexer/whoosh_engine.py, what older homes keep until they switch
with `bureau index rebuild --engine`). Both index the same terms, made in Python by
indexer/analysis.py, so a query finds the same documents on either.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from archive.vocab import INDEX_ENGINES
from indexer.request import SearchRequest

ENGINES = INDEX_ENGINES
LEGACY = "whoosh"  # the engine of an index that does not record its engine
_MODULES = {"tantivy": "indexer.tantivy_engine", "whoosh": "indexer.whoosh_engine"}


@dataclass(frozen=True)
class Filters:
    """What a search may find, whatever the engine: classification levels (None: any),
    exact (lower-cased) field values all required, a year, an inclusive range of ISO dates."""

    levels: tuple[str, ...] | None = None
    values: tuple[tuple[str, str], ...] = ()
    year: int | None = None
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def of(cls, request: SearchRequest) -> Filters:
        """The filters of a request, its user's clearance (`SearchRequest.seen_by`) included."""
        values: list[tuple[str, str]] = []
        if request.only_dept:
            values.append(("dept", request.only_dept.lower()))
        for name in ("dept", "kind", "classification"):
            value = getattr(request, name)
            if value:
                values.append((name, value.lower()))
        return cls(
            levels=request.levels,
            values=tuple(values),
            year=request.year,
            date_from=request.date_from.isoformat() if request.date_from else None,
            date_to=request.date_to.isoformat() if request.date_to else None,
        )


@dataclass(frozen=True)
class Found:
    """One matching document: its stored fields (as `documents.index_fields` made them,
    less the analysed-only ones) and its score."""

    stored: dict[str, Any]
    score: float


@dataclass(frozen=True)
class Page:
    total: int  # every match, not only this page's
    found: list[Found]


class Writer(Protocol):
    """One batch of changes, seen by searches only once committed (all or nothing)."""

    def add(self, fields: dict[str, Any]) -> None: ...
    def replace(self, fields: dict[str, Any]) -> None: ...
    def delete(self, item_id: str) -> None: ...
    def commit(self, purge: bool = False) -> None:
        """Make the batch visible. With `purge`, no deleted document's terms or stored
        fields stay anywhere in the index's files."""

    def cancel(self) -> None: ...


class Engine(Protocol):
    name: str

    def writer(self, bulk: bool = False) -> Writer:
        """A batch of changes; `bulk` for a rebuild's many (more memory, fewer segments)."""

    def search(
        self, wanted: Any, filters: Filters, by_date: bool, offset: int, limit: int
    ) -> Page: ...
    def doc_frequency(self, field: str, term: str) -> int: ...
    def spellings(self, word: str, distance: int, prefix: int) -> dict[str, int]:
        """Indexed words (unstemmed) within `distance` edits of `word` sharing its first
        `prefix` letters, with the number of documents holding each."""

    def visible(self, filters: Filters) -> tuple[int, list[dict[str, str]]]:
        """How many documents pass `filters`, and those whose text was unavailable."""

    def ids(self) -> list[str]: ...
    def stored(self, item_id: str) -> dict[str, Any] | None: ...
    def document_count(self) -> int: ...
    def close(self) -> None: ...


def module(name: str) -> Any:
    """The module implementing engine `name` (imported only when used)."""
    if name not in _MODULES:
        raise ValueError(f"unknown index engine {name!r}: use {' or '.join(ENGINES)}")
    return importlib.import_module(_MODULES[name])


def create(name: str, folder: Path) -> None:
    """An empty index of engine `name` in the (existing, empty) `folder`."""
    module(name).create(folder)


def open_engine(name: str, folder: Path, readonly: bool) -> Engine:
    """The index in `folder`; raises the engine's DAMAGE errors when it is unreadable."""
    engine: Engine = module(name).open(folder, readonly)
    return engine


def damage(name: str, opening: bool = False) -> tuple[type[BaseException], ...]:
    """What engine `name` raises when its files are damaged (truncated, edited, missing),
    while searching or (`opening`) while opening them."""
    found: tuple[type[BaseException], ...] = (
        module(name).OPEN_DAMAGE if opening else module(name).DAMAGE
    )
    return found
