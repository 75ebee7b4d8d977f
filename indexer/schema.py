"""The Whoosh engine's fields, whose names and kinds are also the query language's: the
parser (indexer/query.py) reads a query against this schema whatever the engine.
`generations.SCHEMA_VERSION` changes whenever the fields (or the analyzer) change."""

from __future__ import annotations

from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer
from whoosh.fields import BOOLEAN, ID, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import mixed_analyzer

TITLE_BOOST = 4.0

# Fields a user may name in a query (`dept:BGS`, `title:安全`), and the ones searched when
# a word names no field.
QUERY_FIELDS = ("title", "body", "doc_no")
FIELD_ALIASES = {"code": "archive_code", "type": "kind", "level": "classification"}


class LowerID(ID):
    """An exact-value field matched without regard to case (`dept:bgs` finds BGS)."""

    def __init__(self, stored: bool = False) -> None:
        super().__init__(stored=stored)
        self.analyzer = IDTokenizer() | LowercaseFilter()


def make_schema() -> Schema:
    analyzer = mixed_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        archive_code=LowerID(stored=True),
        doc_no=TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase", field_boost=2.0),
        doc_no_key=ID(),
        title=TEXT(
            analyzer=analyzer,
            stored=True,
            multitoken_query="phrase",
            field_boost=TITLE_BOOST,
            spelling=True,
        ),
        body=TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase", spelling=True),
        kind=LowerID(stored=True),
        template=LowerID(stored=True),
        dept=LowerID(stored=True),
        year=NUMERIC(stored=True),
        date=ID(stored=True, sortable=True),
        classification=LowerID(stored=True),
        retention=LowerID(stored=True),
        sealed=BOOLEAN(stored=True),
        encrypted=BOOLEAN(stored=True),
        status=LowerID(stored=True),
        text=LowerID(stored=True),  # "available" or "unavailable"
        text_reason=STORED(),
        # Items of encrypted levels: keyed HMAC tokens of their title's and text's terms,
        # in order (a blind index); their title and text are not in the index at all.
        blind=TEXT(analyzer=RegexTokenizer(r"\S+"), phrase=True, multitoken_query="phrase"),
    )
