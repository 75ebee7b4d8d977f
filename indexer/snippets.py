"""Snippets: the passages of a document's text around the words a query looks for, marked
**word**, made here from the stored text for every engine (and from text decrypted in
memory for an encrypted item, whose text is not in the index)."""

from __future__ import annotations

from whoosh import highlight

from indexer.analysis import mixed_analyzer

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


def snippet(text: str, words: set[str]) -> str:
    """Up to two marked passages of `text` holding `words` (analysed terms), or its opening."""
    if not text:
        return ""
    marked = highlight.highlight(
        text, frozenset(words), mixed_analyzer(), _FRAGMENTER, _FORMATTER, top=2
    )
    return marked or opening(text)


def opening(text: str) -> str:
    return " ".join(text[: SNIPPET_CHARS * 2].split())[:SNIPPET_CHARS]
