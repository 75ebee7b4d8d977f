"""What a search asks: the words, the filters, the page, and who is asking.

Kept apart from the engine so that the front ends can build a request (and list the sort
orders) without loading the index's libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from archive.access import Visibility

SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchRequest:
    text: str
    dept: str | None = None
    kind: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    classification: str | None = None
    sort: str = "relevance"
    limit: int = 20
    page: int = 1
    # Who is searching: the levels they are cleared for, the one department a secretary
    # is limited to, and the blind index key (None: encrypted items' words are not searched).
    levels: tuple[str, ...] | None = None
    only_dept: str | None = None
    blind_key: bytes | None = None

    def seen_by(self, visibility: Visibility, blind_key: bytes | None) -> SearchRequest:
        """This request limited to what `visibility` lets its user find."""
        return replace(
            self, levels=visibility.levels, only_dept=visibility.dept, blind_key=blind_key
        )
