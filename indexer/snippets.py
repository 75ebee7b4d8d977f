"""Snippets: the passages of a document's text around the words a query looks for, marked
**word**, made here from the stored text for every engine (and from text decrypted in
memory for an encrypted item, whose text is not in the index).

A snippet is made for each hit of a page, so it must cost little whatever the text's
length: the text is not analysed word by word (about 10 µs a word). A plain string search
finds where a query's words may stand (a Chinese term as it is; an English stem less its
last letter at the start of a word: inspect → inspections, happi → happy), and only the
words found there are analysed, by the bureau's analyzer, to mark exactly what the index
matched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from indexer.analysis import _TOKEN, is_cjk, terms

SNIPPET_CHARS = 160  # the most characters from a passage's first match to its last
SURROUND = 50  # characters shown before the first match and after the last
PASSAGES = 2
BETWEEN = " … "
MAX_PLACES = 16  # places examined for each word: enough to choose the best passages
REGION = 200  # characters before a match written otherwise that are analysed (twice after)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ＡＢ１ → AB1
_ANY_FULL_WIDTH = re.compile("[０-９Ａ-Ｚａ-ｚ]")  # full-width punctuation is common
_TOKEN_CHAR = re.compile(r"[^\W_]")
_TWO_LETTERS = re.compile("[A-Za-z0-9]{2}")  # a cut between these would split a word
_LETTERS = re.compile("[A-Za-z0-9]*")
_LAST_LETTERS = re.compile(r"[A-Za-z0-9]*\Z")

Span = tuple[int, int]


def snippet(text: str, words: set[str]) -> str:
    """Up to two marked passages of `text` holding `words` (analysed terms), in the order
    they stand, those with most matches chosen when there are more; or the text's opening
    when it holds none of them (a hit by its title, say)."""
    if not text:
        return ""
    matches = _matches(text, frozenset(words))
    if not matches:
        return opening(text)
    chosen = sorted(_groups(matches), key=len, reverse=True)[:PASSAGES]
    return BETWEEN.join(_marked(text, group) for group in sorted(chosen))


def opening(text: str) -> str:
    return " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]


def _matches(text: str, words: frozenset[str]) -> list[Span]:
    """The character spans of `text` whose analysed terms are among `words`, in order."""
    lowered = _lowered(text)
    found: list[Span] = []
    for probe, chinese in _probes(words):
        at = lowered.find(probe)
        for _place in range(MAX_PLACES):
            if at < 0:
                break
            if chinese:
                if len(probe) > 1 or _alone(lowered, at):
                    found.append((at, at + len(probe)))
            elif _word_starts(lowered, at):
                found += _word_match(lowered, at, words)
            at = lowered.find(probe, at + 1)
    return sorted(set(found or _written_otherwise(text, words)))


def _written_otherwise(text: str, words: frozenset[str]) -> list[Span]:
    """Matches written in letters the string search does not fold (ﬁ for fi, as PDFs'
    text often has it; İ; ①): found in the text folded as the analyzer folds it, then
    marked by analysing the region around the first (folding may shift offsets a little),
    as the index matched it."""
    if text.isascii():
        return []
    folded = unicodedata.normalize("NFKC", text).lower()
    places = [folded.find(probe) for probe, _chinese in _probes(words)]
    at = min((place for place in places if place >= 0), default=-1)
    if at < 0:
        return []
    start = max(0, at - REGION)
    region = text[start : at + 2 * REGION]
    return [(start + s, start + e) for term, s, e in terms(region) if term in words]


def _lowered(text: str) -> str:
    """`text` lower-cased, full-width letters and digits folded (as the analyzer does),
    character for character, so that offsets into it are offsets into `text`."""
    folded = text.translate(_FULL_WIDTH) if _ANY_FULL_WIDTH.search(text) else text
    lowered = folded.lower()
    if len(lowered) != len(folded):  # a letter lower-cased to two (İ)
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)
    return lowered


@lru_cache(maxsize=256)
def _probes(words: frozenset[str]) -> list[tuple[str, bool]]:
    """What to look for, and whether it is Chinese: a Chinese term as it is; an English
    term less its last letter, at the start of a word (then analysed, to be sure)."""
    found = {(w, True) for w in words if is_cjk(w)}
    found |= {(w[:-1] if len(w) > 3 else w, False) for w in words if w and not is_cjk(w)}
    return sorted(found)


def _word_starts(text: str, at: int) -> bool:
    """Whether a word of letters or digits starts at `at` (Chinese before it is apart)."""
    return at == 0 or not _TOKEN_CHAR.match(text, at - 1) or is_cjk(text[at - 1])


def _word_match(text: str, at: int, words: frozenset[str]) -> list[Span]:
    token = _TOKEN.match(text, at)
    if token is None or token.lastgroup != "word":
        return []
    return [(at + s, at + e) for term, s, e in _terms(token.group()) if term in words]


@lru_cache(maxsize=4096)
def _terms(word: str) -> list[tuple[str, int, int]]:
    return terms(word)


def _alone(text: str, at: int) -> bool:
    """Whether the Chinese character at `at` is a run of its own (so a term by itself)."""
    return not is_cjk(text[at - 1 : at] if at else "") and not is_cjk(text[at + 1 : at + 2])


def _groups(matches: list[Span]) -> list[list[Span]]:
    """Matches in order, grouped so that no group spans more than SNIPPET_CHARS."""
    groups: list[list[Span]] = []
    for span in sorted(matches):
        if groups and span[1] - groups[-1][0][0] <= SNIPPET_CHARS:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _passage(text: str, group: list[Span]) -> Span:
    """The group with SURROUND characters either side, not cutting a word in two."""
    first, last = group[0][0], max(end for _start, end in group)
    start = max(0, first - SURROUND)
    if start and _TWO_LETTERS.match(text, start - 1, start + 1):
        start = min(first, _LETTERS.match(text, start).end())
    end = min(len(text), last + SURROUND)
    if end < len(text) and _TWO_LETTERS.match(text, end - 1, end + 1):
        tail = _LAST_LETTERS.search(text, last, end)
        end = max(last, tail.start()) if tail else end
    return start, end


def _marked(text: str, group: list[Span]) -> str:
    """The group's passage with its matches marked **word**, overlapping ones (the bigrams
    of one Chinese word) as one span, and its white space collapsed."""
    begin, finish = _passage(text, group)
    spans: list[list[int]] = []
    for start, end in group:
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    out, index = [], begin
    for start, end in spans:
        out += [text[index:start], f"**{text[start:end]}**"]
        index = end
    out.append(text[index:finish])
    return " ".join("".join(out).split())
