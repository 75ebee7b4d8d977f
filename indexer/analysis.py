"""One analyzer for the bureau's mixed Chinese and English text.

English (and other alphabetic scripts, and numbers) is lowercased and stemmed, so a query
`inspection` finds `inspections`. Chinese, which has no spaces, is indexed as overlapping
character bigrams (安全检查 → 安全 全检 检查) and a query is searched as the phrase of its
bigrams, so any word a reader types is found wherever those characters stand together.
Bigrams won against the jieba word segmenter on recall and speed (bench/RESULTS.md,
`python -m bench.bench_analyzers`).

Full-width letters and digits (ＡＢＣ１２) are folded to their ASCII forms; character
offsets always point into the original text, so highlighting marks what was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from operator import add

from whoosh.analysis import Analyzer, LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.lang import stemmer_for_language

_CJK = (
    "\u3040-\u30ff"  # kana: bigrammed like Chinese
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")


def is_cjk(text: str) -> bool:
    """True if `text` is made only of characters the analyzer bigrams."""
    return bool(text) and re.fullmatch(f"[{_CJK}]+", text) is not None


class MixedTokenizer(Tokenizer):
    """Words of alphabetic scripts and digits as tokens; runs of CJK as bigrams.

    A CJK run of one character is one token. Positions count bigrams like words, so the
    phrase of a query's bigrams matches only where its characters are contiguous.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MixedTokenizer)

    def __hash__(self) -> int:
        return hash(MixedTokenizer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield from _whole(token, value, positions, chars, start_pos, start_char)
            return
        pos = start_pos
        for match in _TOKEN.finditer(value):
            start = match.start()
            if match.group("word") is not None:
                pieces = [(unicodedata.normalize("NFKC", match.group("word")), start, match.end())]
            else:
                pieces = list(_bigrams(match.group("cjk"), start))
            for text, begin, end in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + begin
                    token.endchar = start_char + end
                pos += 1
                yield token


def _whole(
    token: Token, value: str, positions: bool, chars: bool, start_pos: int, start_char: int
) -> Iterator[Token]:
    token.original = token.text = value
    token.boost = 1.0
    if positions:
        token.pos = start_pos
    if chars:
        token.startchar = start_char
        token.endchar = start_char + len(value)
    yield token


def _bigrams(run: str, offset: int) -> Iterator[tuple[str, int, int]]:
    if len(run) == 1:
        yield run, offset, offset + 1
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2], offset + i, offset + i + 2


def mixed_analyzer() -> Analyzer:
    """The analyzer of every full-text field: tokenize, lowercase, stem English."""
    return MixedTokenizer() | LowercaseFilter() | StemFilter(lang="en")


# One analyzer for the process: its stemmer keeps a cache of the words it has stemmed,
# which a new analyzer would start empty (stemming is most of the cost of analysis).
_SHARED = mixed_analyzer()
_UNSTEMMED = MixedTokenizer() | LowercaseFilter()


def shared_analyzer() -> Analyzer:
    """The process's one `mixed_analyzer` (for analysing many texts, as snippets do)."""
    return _SHARED


def words(text: str) -> list[str]:
    """The index terms of `text` (for tests and the blind index)."""
    return [t.text for t in _SHARED(text)]


def terms(text: str) -> list[tuple[str, int, int]]:
    """The index terms of `text` in order, each with the character span it was made from:
    what an engine that does not run this analyzer itself (tantivy) is given to index."""
    return [(t.text, t.startchar, t.endchar) for t in _SHARED(text, chars=True)]


def spelling_words(text: str) -> list[str]:
    """The words of `text` as typed (lower-cased, not stemmed): what did-you-mean offers."""
    return [t.text for t in _UNSTEMMED(text)]


class _Stems(dict[str, str]):
    """Each word's stem, made by the function `StemFilter(lang="en")` applies, kept."""

    _stem = staticmethod(stemmer_for_language("en"))

    def __missing__(self, word: str) -> str:
        if len(self) >= 200_000:  # a few tens of MB, then start again
            self.clear()
        stem = self[word] = self._stem(word)
        return stem


_STEMS = _Stems()
_PIECE = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")  # the same matches as _TOKEN
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # _TOKEN's words in ASCII text, once lower-cased


def index_terms(text: str) -> tuple[list[str], list[str]]:
    """The index terms of `text` in order, and its spelling words: exactly `words(text)` and
    `spelling_words(text)`, made in one pass at several times their speed (the writing of
    a large index is mostly this analysis). Character spans are not made: an engine's
    postings hold positions only."""
    if text.isascii():
        typed = _ASCII_WORD.findall(text.lower())
        return list(map(_STEMS.__getitem__, typed)), typed
    stemmed: list[str] = []
    typed = []
    for run, word in _PIECE.findall(text):
        if run:
            run = run.lower()
            pieces = list(map(add, run, run[1:])) if len(run) > 1 else [run]
            stemmed += pieces
            typed += pieces
            continue
        if not word.isascii():
            word = unicodedata.normalize("NFKC", word)
        word = word.lower()
        stemmed.append(_STEMS[word])
        typed.append(word)
    return stemmed, typed


_DOC_NO_NOISE = re.compile(r"[\s\[\]【】〔〕()（）［］{}<>《》\"'“”‘’.,，。:：;；#＃\-–—_·/\\]+")


def doc_no_key(text: str) -> str:
    """A document number reduced to what identifies it, so it matches however it is typed.

    `CEB-BGS [2026] No. 12`, `ceb-bgs〔2026〕no.12` and `CEB BGS 2026 No 12` share one key;
    `市教办〔2026〕12号` and `市教办[2026]12号` another.
    """
    key = text
    for _ in range(3):  # removing a space can let NFKC compose what it separated
        folded = _DOC_NO_NOISE.sub("", unicodedata.normalize("NFKC", key).casefold())
        if folded == key:
            break
        key = folded
    return key
