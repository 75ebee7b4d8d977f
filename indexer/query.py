"""The query language: what a user types, turned into one query tree for every engine.

The syntax (words, "phrases", field:value, prefix*, AND OR NOT, brackets, year:[a TO b]) is
read by Whoosh's query parser whatever engine holds the index, so a query means the same
on both: the Whoosh engine runs the tree as it is, the tantivy engine compiles it
(indexer/tantivy_query.py). Here the tree is also given what the bureau adds: a lone
Chinese character matching inside bigrams, the document that a number or code names, and
the blind tokens of encrypted items.
"""

from __future__ import annotations

from functools import lru_cache, partial

from whoosh import qparser, query

from archive.codes import parse as parse_code
from archive.errors import BureauError
from indexer.analysis import doc_no_key, is_cjk
from indexer.documents import blind_token
from indexer.schema import FIELD_ALIASES, QUERY_FIELDS, make_schema

EXACT_BOOST = 1000.0
NEAR_SLOP = 8  # positions apart that a loosened word's pieces still count as close
TOGETHER_BOOST = 2.0
CLOSE, APART, LOOSE_ENDS = "close", "apart", "loose ends"  # ways of loosening (`_loosen`)
Query = query.Query


def parser() -> qparser.QueryParser:
    """The parser of the bureau's query syntax (all words required unless OR is written)."""
    parsing = qparser.MultifieldParser(list(QUERY_FIELDS), make_schema(), group=qparser.AndGroup)
    parsing.add_plugin(qparser.FieldAliasPlugin({v: [k] for k, v in FIELD_ALIASES.items()}))
    return parsing


_PARSER = parser()


@lru_cache(maxsize=1024)
def parse(text: str) -> Query:
    """The query tree; malformed syntax (unbalanced quotes, brackets) is searched literally.

    Kept for the queries asked again (the next page, the fallback, another user): a tree
    is never changed once made, only copied into new ones."""
    try:
        parsed = _PARSER.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises many types on odd input
        parsed = None
    if parsed is None or parsed is query.NullQuery:
        literal = " ".join(text.replace('"', " ").replace("(", " ").replace(")", " ").split())
        parsed = _PARSER.parse(literal) if literal else query.NullQuery
    return parsed.accept(_cjk_edges)


def wanted(text: str, blind_key: bytes | None, loosened: str | None = None) -> tuple[Query, Query]:
    """What a search looks for: the parsed words (with their blind forms when the key is
    given), and the same with the document the whole text names put first. `loosened`
    (CLOSE, APART or LOOSE_ENDS) is a fallback for a query whose words found together are
    few or none (see `_loosen`)."""
    parsed = parse(text)
    if loosened is not None:
        parsed = parsed.accept(partial(_loosen, loosened))
    if blind_key is not None:
        parsed = parsed.accept(partial(_or_blind, blind_key))
    exact = _exact(text)
    return parsed, (query.Or([*exact, parsed]) if exact else parsed)


def words_of(q: Query) -> set[str]:
    """The analysed words a query looks for in titles and text (to mark in snippets)."""
    return {
        text if isinstance(text, str) else text.decode("utf-8")
        for fieldname, text in q.iter_all_terms()
        if fieldname in ("title", "body")
    }


def can_loosen(text: str) -> bool:
    """Whether a loosened search can find more than the query as typed: it has a word the
    analyzer split into pieces (Chinese, or letters and digits run together), outside
    quotes."""
    return '"' not in text and parse(text).accept(partial(_loosen, APART)) != parse(text)


def _loosen(how: str, q: Query) -> Query:
    """A typed word that became several pieces (安全检查 → 安全 全检 检查, `e-mail` → e mail),
    loosened `how` (CLOSE, APART or LOOSE_ENDS) to match where its pieces stand apart in
    the document: English pieces all required; Chinese ones so that every character of the
    word is found beside one of its neighbours in the word (教育经费 needs 教育 and 经费, not
    the 育经 that only joins them, so it finds 教育专项经费).

    CLOSE: the pieces also stand within NEAR_SLOP positions of each other, in either order
    (设立 … 民办学校 for 民办学校设立). LOOSE_ENDS: the first and last characters may stand
    beside any character (新教师培训 finds 新任教师岗前培训: a character at an end is often a
    word of its own). Documents where the pieces stand together, then close, rank first."""
    if not isinstance(q, query.Phrase) or len(q.words) < 2 or q.fieldname == "blind":
        return q
    field, pieces = q.fieldname, list(q.words)
    if _bigram_chain(pieces):
        ends: list[Query] = [query.Term(field, pieces[0]), query.Term(field, pieces[-1])]
        if how == LOOSE_ENDS:
            ends = [_either_end(field, pieces[0][0]), _either_end(field, pieces[-1][-1])]
        inner = [
            query.Or([query.Term(field, pieces[n - 1]), query.Term(field, pieces[n])])
            for n in range(1, len(pieces))
        ]
        required: list[Query] = [ends[0], *inner, ends[1]]
        cover = pieces[0::2] if len(pieces) % 2 else [*pieces[0::2], pieces[-1]]
    else:
        required = [query.Term(field, w) for w in pieces]
        cover = pieces
    together = query.Phrase(field, pieces, boost=TOGETHER_BOOST)
    ranking: list[Query] = [together]
    if how == CLOSE:  # a long word's ends stand far apart even when it is found together
        required.append(query.Or([together, _close(field, [cover[0], cover[-1]])]))
    else:  # ranks, cheaply: in order (Whoosh) or nearly (tantivy also takes some reversed)
        ranking.append(query.Phrase(field, cover, slop=NEAR_SLOP))
    ranking += [query.Term(field, w) for w in pieces]
    loosened: Query = query.AndMaybe(query.And(required), query.Or(ranking))
    return loosened if q.boost == 1.0 else query.And([loosened], boost=q.boost)


def _close(field: str, words: list[str]) -> Query:
    """Each of `words` within NEAR_SLOP positions of the next, in either order (which both
    engines read alike: tantivy's sloppy phrases also match some words out of order)."""
    return query.And(
        [
            query.Or(
                [
                    query.Phrase(field, [a, b], slop=NEAR_SLOP),
                    query.Phrase(field, [b, a], slop=NEAR_SLOP),
                ]
            )
            for a, b in zip(words, words[1:], strict=False)
        ]
    )


def _either_end(field: str, char: str) -> Query:
    """A Chinese character found at either end of some bigram."""
    return query.Or([_starting(field, char), _ending(field, char)])


def _bigram_chain(pieces: list[str]) -> bool:
    """Whether `pieces` are the overlapping bigrams of one run of Chinese characters."""
    return all(len(p) == 2 and is_cjk(p) for p in pieces) and all(
        a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False)
    )


def _lone_cjk(word: object) -> bool:
    return isinstance(word, str) and len(word) == 1 and is_cjk(word)


def _cjk_edges(q: Query) -> Query:
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
        parts: list[Query] = [query.Term(q.fieldname, w) for w in q.words]
        if _lone_cjk(q.words[-1]):
            parts[-1] = _starting(q.fieldname, q.words[-1])
        if _lone_cjk(q.words[0]):
            parts[0] = query.Or(
                [query.Term(q.fieldname, q.words[0]), _ending(q.fieldname, q.words[0])]
            )
        return query.Sequence(parts, boost=q.boost)
    return q


def _starting(fieldname: str, char: str) -> Query:
    return query.Prefix(fieldname, char)


def _ending(fieldname: str, char: str) -> Query:
    return query.Wildcard(fieldname, "?" + char)


def _exact(text: str) -> list[Query]:
    """Queries matching the document the whole text names, as a number, code or id."""
    exact: list[Query] = []
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


def _or_blind(key: bytes, q: Query) -> Query:
    """A word or phrase of the title or text also matches the blind tokens of encrypted
    items (exact words only: a prefix or wildcard has no blind form)."""
    if isinstance(q, query.Term) and q.fieldname in ("title", "body"):
        return query.Or([q, query.Term("blind", blind_token(key, q.text))])
    if isinstance(q, query.Phrase) and q.fieldname in ("title", "body"):
        words = [blind_token(key, w) for w in q.words]
        blind = query.Phrase("blind", words, slop=q.slop, boost=q.boost)
        return query.Or([q, blind])
    return q
