"""A query tree of the bureau's query language (indexer/query.py) compiled for tantivy.

The tree's words are already analysed (stemmed, bigrammed, lower-cased) by the parser with
indexer/analysis.py, which is also what made the terms tantivy holds, so each word becomes
a term looked up as it is. Fields weigh as in the Whoosh schema: a title four times the
text, a document number twice.
"""

from __future__ import annotations

import re
from typing import Any

import tantivy
from whoosh import query

from archive.errors import BadInput
from indexer.schema import TITLE_BOOST, make_schema

Occur = tantivy.Occur
FIELD_BOOSTS = {"title": TITLE_BOOST, "doc_no": 2.0}
NUMERIC_FIELDS = frozenset({"year"})
_WHOOSH_SCHEMA = make_schema()


def compile_query(q: query.Query, schema: tantivy.Schema) -> tantivy.Query:
    """The tantivy query matching what `q` matches; BadInput for what it cannot say."""
    compiled = _compile(q, schema)
    boost = getattr(q, "boost", 1.0)
    if boost != 1.0:
        compiled = tantivy.Query.boost_query(compiled, float(boost))
    return compiled


def _compile(q: query.Query, schema: tantivy.Schema) -> tantivy.Query:  # noqa: PLR0911, PLR0912
    if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
        return tantivy.Query.empty_query()
    if isinstance(q, query.Every):
        return tantivy.Query.all_query()
    if isinstance(q, query.Not):
        return tantivy.Query.boolean_query(
            [
                (Occur.Must, tantivy.Query.all_query()),
                (Occur.MustNot, compile_query(q.query, schema)),
            ]
        )
    if isinstance(q, query.And):
        return _boolean([(Occur.Must, s) for s in q.subqueries], schema)
    if isinstance(q, query.Or) and not isinstance(q, query.DisjunctionMax):
        return _boolean([(Occur.Should, s) for s in q.subqueries], schema)
    if isinstance(q, query.DisjunctionMax):
        return tantivy.Query.disjunction_max_query(
            [compile_query(s, schema) for s in q.subqueries], tie_breaker=q.tiebreak
        )
    if isinstance(q, query.AndNot):
        return _boolean([(Occur.Must, q.a), (Occur.MustNot, q.b)], schema)
    if isinstance(q, query.AndMaybe):
        return _boolean([(Occur.Must, q.a), (Occur.Should, q.b)], schema)
    if isinstance(q, query.Require):
        scored = compile_query(q.a, schema)
        required = tantivy.Query.const_score_query(compile_query(q.b, schema), 0.0)
        return tantivy.Query.boolean_query([(Occur.Must, scored), (Occur.Must, required)])
    if isinstance(q, query.Sequence):
        patterns = [_pattern(part) for part in q.subqueries]
        field = _field_of(q.subqueries)
        return _weighted(field, tantivy.Query.regex_phrase_query(schema, field, patterns))
    if isinstance(q, query.Phrase):
        if len(q.words) == 1:
            return _term(schema, q.fieldname, q.words[0])
        phrase = tantivy.Query.phrase_query(schema, q.fieldname, list(q.words), slop=q.slop - 1)
        return _weighted(q.fieldname, phrase)
    if isinstance(q, query.Prefix):
        regex = re.escape(q.text) + ".*"
        return _weighted(q.fieldname, tantivy.Query.regex_query(schema, q.fieldname, regex))
    if isinstance(q, query.Wildcard):
        regex = _wildcard(q.text)
        return _weighted(q.fieldname, tantivy.Query.regex_query(schema, q.fieldname, regex))
    if isinstance(q, query.NumericRange):
        return _numeric_range(q, schema)
    if isinstance(q, query.TermRange):
        return _term_range(q, schema)
    if isinstance(q, query.Term):
        return _term(schema, q.fieldname, q.text)
    raise BadInput(f"this query cannot be searched: {q}")


def _boolean(parts: list[tuple[Any, query.Query]], schema: tantivy.Schema) -> tantivy.Query:
    clauses = []
    for occur, sub in parts:
        if isinstance(sub, query.Not) and occur is Occur.Must:
            clauses.append((Occur.MustNot, compile_query(sub.query, schema)))
        else:
            clauses.append((occur, compile_query(sub, schema)))
    if all(occur is Occur.MustNot for occur, _ in clauses):
        clauses.append((Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


def _term(schema: tantivy.Schema, field: str, text: object) -> tantivy.Query:
    if field in NUMERIC_FIELDS:
        value = _WHOOSH_SCHEMA[field].from_bytes(text) if isinstance(text, bytes) else text
        return tantivy.Query.term_query(schema, field, int(value))
    word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    return _weighted(field, tantivy.Query.term_query(schema, field, word))


def _weighted(field: str, compiled: tantivy.Query) -> tantivy.Query:
    boost = FIELD_BOOSTS.get(field)
    return tantivy.Query.boost_query(compiled, boost) if boost else compiled


def _field_of(parts: list[query.Query]) -> str:
    for part in parts:
        if hasattr(part, "fieldname") and part.fieldname:
            return str(part.fieldname)
        if hasattr(part, "subqueries"):
            return _field_of(part.subqueries)
    raise BadInput("this query cannot be searched: a sequence names no field")


def _pattern(q: query.Query) -> str:
    """The regular expression of the terms one part of a sequence matches."""
    if isinstance(q, query.Prefix):
        return re.escape(q.text) + ".*"
    if isinstance(q, query.Wildcard):
        return _wildcard(q.text)
    if isinstance(q, query.Term):
        return re.escape(str(q.text))
    if isinstance(q, query.Or):
        return "(" + "|".join(_pattern(s) for s in q.subqueries) + ")"
    raise BadInput(f"this query cannot be searched: {q}")


def _wildcard(text: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


def _numeric_range(q: query.NumericRange, schema: tantivy.Schema) -> tantivy.Query:
    if q.fieldname not in NUMERIC_FIELDS:
        raise BadInput(f"a range of numbers works on {', '.join(sorted(NUMERIC_FIELDS))} only")
    return tantivy.Query.range_query(
        schema,
        q.fieldname,
        tantivy.FieldType.Integer,
        None if q.start is None else int(q.start),
        None if q.end is None else int(q.end),
        include_lower=not q.startexcl,
        include_upper=not q.endexcl,
    )


def _term_range(q: query.TermRange, schema: tantivy.Schema) -> tantivy.Query:
    """A range of dates (`date:[2025 TO 2026-06]`), compared as the ISO text Whoosh compares:
    a bound that is a prefix of dates is below all of them."""
    if q.fieldname != "date":
        raise BadInput("a range of words works on date only (year:[a TO b] for years)")
    low = None if q.start is None else _date_bound(q.start) + (1 if q.startexcl else 0)
    high = None
    if q.end is not None:
        digits = _digits(q.end)
        high = int(digits) if len(digits) == 8 else _date_bound(q.end) - 1
        if q.endexcl and len(digits) == 8:
            high -= 1
    return date_range(schema, low, high)


def date_range(schema: tantivy.Schema, low: int | None, high: int | None) -> tantivy.Query:
    return tantivy.Query.range_query(schema, "date_n", tantivy.FieldType.Integer, low, high)


def date_number(iso: str) -> int:
    """A date as the number it is sorted and ranged by: 2026-03-04 → 20260304."""
    return _date_bound(iso)


def _digits(text: str) -> str:
    return "".join(c for c in str(text) if c.isdigit())[:8]


def _date_bound(text: str) -> int:
    return int(_digits(text).ljust(8, "0") or "0")
