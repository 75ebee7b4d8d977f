"""Snippets: the passages of a document's text around the words a query looks for, marked
**word**, made here from the stored text for every engine (and from text decrypted in
memory for an encrypted item, whose text is not in the index)."""

from __future__ import annotations

from whoosh import highlight

from indexer.analysis import shared_analyzer

SNIPPET_CHARS = 160


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


_FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=50)
_FORMATTER = _Marker()


LONG_TEXT = 2000  # characters: a longer text is first looked at around its first match
REGION_BEFORE, REGION_AFTER = 200, 1500


def snippet(text: str, words: set[str]) -> str:
    """Up to two marked passages of `text` holding `words` (analysed terms), or its opening.

    Marking means analysing the text word by word, which costs about 10 µs a word: a long
    text is marked in the region of its first likely match (found by plain string search),
    and in whole only if that region holds no match after all; a long text with no likely
    match at all (a hit by its title, or a word typed in full-width letters) shows its
    opening.
    """
    if not text:
        return ""
    if len(text) > LONG_TEXT:
        start = _first_likely_match(text, words)
        if start is None:
            return opening(text)  # found by its title, say
        region = text[max(0, start - REGION_BEFORE) : start + REGION_AFTER]
        marked = _marked(region, words)
        if marked:
            return marked
    return _marked(text, words) or opening(text)


def _marked(text: str, words: set[str]) -> str:
    return str(
        highlight.highlight(
            text, frozenset(words), shared_analyzer(), _FRAGMENTER, _FORMATTER, top=2
        )
    )


def _first_likely_match(text: str, words: set[str]) -> int | None:
    """Where the text first holds one of `words` as written, more or less: a Chinese term
    as it is, an English stem less its last letter (inspect → inspections; happi → happy),
    case aside."""
    lowered = text.lower()
    found = []
    for word in words:
        probe = word[:-1] if word.isascii() and len(word) > 3 else word
        at = lowered.find(probe)
        if at >= 0:
            found.append(at)
    return min(found, default=None)


def opening(text: str) -> str:
    return " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]
