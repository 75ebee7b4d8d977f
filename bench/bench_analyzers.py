"""Chinese full-text analysis: CJK bigrams (the project's analyzer) against jieba words.

Both analyzers treat English alike (lowercased, stemmed) and differ in Chinese runs:
`indexer.analysis.mixed_analyzer` indexes overlapping bigrams and searches a query as the
phrase of its bigrams; the jieba analyzer below indexes jieba's search-mode words (each word
and the dictionary words inside it) and searches a query as the phrase of its default-mode
words. Recall and precision are measured on `bench/analyzer_corpus.py` against an objective
ground truth: a document is relevant to a Chinese query if the query's characters stand in it
(after NFKC), to an English query if it has a word with the query's Porter stem. Throughput is
measured on a synthetic corpus varied from the same documents, in the same run for both.
"""

from __future__ import annotations

import logging
import re
import statistics
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import jieba
from whoosh import index
from whoosh.analysis import Analyzer, LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.lang.porter import stem as porter_stem
from whoosh.qparser import QueryParser

from bench.analyzer_corpus import DOCUMENTS, QUERIES, synthetic
from indexer.analysis import _TOKEN, mixed_analyzer

SYNTHETIC_DOCS = 4000
ROUNDS = 3
_ENGLISH = re.compile(r"[A-Za-z]+")


class JiebaTokenizer(Tokenizer):
    """Words of alphabetic scripts and digits as `MixedTokenizer` makes them; CJK runs cut
    into words by jieba.

    At index time a run is cut in jieba's search mode, which yields each word and, before it,
    the dictionary words of two and three characters inside it (安全检查 → 安全 检查 安全检查).
    The inner words take the position of the word that holds them, so positions count whole
    words and a query's words, cut in jieba's default mode, match as a phrase (numbering every
    search-mode word in turn would put inner words between two whole words and break phrases
    such as 资格 认定).
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer)

    def __hash__(self) -> int:
        return hash(JiebaTokenizer)

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
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in _TOKEN.finditer(value):
            start = match.start()
            if match.group("word") is not None:
                word = unicodedata.normalize("NFKC", match.group("word"))
                pieces = [(word, start, match.end(), 0)]
            else:
                pieces = _jieba_words(match.group("cjk"), start, query=mode == "query")
            for text, begin, end, offset in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos + offset
                if chars:
                    token.startchar = start_char + begin
                    token.endchar = start_char + end
                yield token
            pos += pieces[-1][3] + 1


def _jieba_words(run: str, start: int, query: bool) -> list[tuple[str, int, int, int]]:
    """(word, start, end, position within the run) of each jieba word of a CJK run."""
    if query:
        return [(w, start + b, start + e, i) for i, (w, b, e) in enumerate(jieba.tokenize(run))]
    words = list(jieba.tokenize(run, mode="search"))
    # Search mode yields the words inside a word just before it: walking backwards, a word is
    # inside the last whole word seen if its span lies in that word's span.
    whole = [0] * len(words)
    count = 0
    outer_b = outer_e = -1
    for i in range(len(words) - 1, -1, -1):
        _, b, e = words[i]
        if not (outer_b <= b and e <= outer_e):
            count += 1
            outer_b, outer_e = b, e
        whole[i] = count
    return [(w, start + b, start + e, count - whole[i]) for i, (w, b, e) in enumerate(words)]


def jieba_analyzer() -> Analyzer:
    """The jieba counterpart of `mixed_analyzer`: tokenize, lowercase, stem English."""
    return JiebaTokenizer() | LowercaseFilter() | StemFilter(lang="en")


ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "bigrams": mixed_analyzer,
    "jieba": jieba_analyzer,
}


def _relevant(query: str, docs: list[tuple[str, str]]) -> set[str]:
    query = unicodedata.normalize("NFKC", query)
    if _ENGLISH.fullmatch(query):
        target = porter_stem(query.lower())
        return {
            doc_id
            for doc_id, text in docs
            if any(porter_stem(w.lower()) == target for w in _ENGLISH.findall(text))
        }
    return {doc_id for doc_id, text in docs if query in unicodedata.normalize("NFKC", text)}


def _build(folder: Path, analyzer: Analyzer, docs: list[tuple[str, str]]) -> float:
    """Index `docs` into a new index in `folder`; the seconds it took, commit included."""
    folder.mkdir()
    schema = Schema(
        id=ID(stored=True, unique=True), body=TEXT(analyzer=analyzer, multitoken_query="phrase")
    )
    start = time.perf_counter()
    ix = index.create_in(folder, schema)
    writer = ix.writer()
    for doc_id, text in docs:
        writer.add_document(id=doc_id, body=text)
    writer.commit()
    return time.perf_counter() - start


def _search(folder: Path, queries: list[str]) -> dict[str, set[str]]:
    ix = index.open_dir(folder)
    parser = QueryParser("body", ix.schema)
    with ix.searcher() as searcher:
        return {
            q: {hit["id"] for hit in searcher.search(parser.parse(q), limit=None)} for q in queries
        }


def _tokenize(analyzer: Analyzer, texts: list[str]) -> tuple[float, int]:
    """Seconds to run `analyzer` over `texts` as indexing does, and the tokens it made."""
    start = time.perf_counter()
    count = 0
    for text in texts:
        for _ in analyzer(text, positions=True, mode="index"):
            count += 1
    return time.perf_counter() - start, count


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


def _context(query: str, text: str, width: int = 4) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\n", " ")
    at = text.find(query)
    if at < 0:
        return ""
    return f"…{text[max(0, at - width) : at + len(query) + width]}…"


def _times(ratio: float) -> str:
    return f"at {ratio:.1f}×" if ratio >= 1 else f"at 1/{1 / ratio:.1f} of"


def run() -> list[str]:
    jieba.setLogLevel(logging.WARNING)
    start = time.perf_counter()
    jieba.initialize()
    jieba_init = time.perf_counter() - start

    relevant = {q: _relevant(q, DOCUMENTS) for q in QUERIES}
    queries = [q for q in QUERIES if relevant[q]]
    texts = dict(DOCUMENTS)
    big = synthetic(SYNTHETIC_DOCS)
    big_texts = [text for _, text in big]
    megabytes = sum(len(t.encode("utf-8")) for t in big_texts) / 1e6

    found: dict[str, dict[str, set[str]]] = {}
    index_times: dict[str, list[float]] = {name: [] for name in ANALYZERS}
    token_times: dict[str, list[float]] = {name: [] for name in ANALYZERS}
    tokens: dict[str, int] = {}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, make in ANALYZERS.items():
            _build(root / f"quality-{name}", make(), DOCUMENTS)
            found[name] = _search(root / f"quality-{name}", queries)
        for r in range(ROUNDS):  # the analyzers alternate, so noise falls on both
            for name, make in ANALYZERS.items():
                seconds, tokens[name] = _tokenize(make(), big_texts)
                token_times[name].append(seconds)
                folder = root / f"speed-{name}-{r}"
                index_times[name].append(_build(folder, make(), big))
                sizes[name] = _size(folder)

    quality = {}
    for name in ANALYZERS:
        recalls, precisions, short = [], [], 0
        for q in queries:
            hits, rel = found[name][q], relevant[q]
            recalls.append(len(hits & rel) / len(rel))
            if hits:
                precisions.append(len(hits & rel) / len(hits))
            short += len(hits & rel) < len(rel)
        quality[name] = (statistics.mean(recalls), statistics.mean(precisions), short)
    index_s = {name: statistics.median(index_times[name]) for name in ANALYZERS}
    token_s = {name: statistics.median(token_times[name]) for name in ANALYZERS}

    lines = [
        "## Chinese analysis: CJK bigrams against jieba (`bench/bench_analyzers.py`)",
        "",
        "The project's analyzer (`indexer.analysis.mixed_analyzer`: overlapping CJK bigrams, a "
        "query searched as the phrase of its bigrams) against jieba "
        f"{jieba.__version__} (search-mode words at "
        "index time, a query searched as the phrase of its default-mode words). English is "
        "lowercased and stemmed by both. Quality: "
        f"{len(DOCUMENTS)} hand-written bureau documents and {len(queries)} reader queries "
        "(`bench/analyzer_corpus.py`); a document is relevant to a Chinese query if the query "
        "stands in it (NFKC), to an English one if it has a word with the query's Porter stem. "
        "Recall and precision are averaged over queries (precision over those with hits). "
        f"Speed: {len(big)} documents varied from the same corpus ({megabytes:.1f} MB), "
        f"median of {ROUNDS} rounds; tokenizing is the analyzer alone, indexing is Whoosh "
        "with commit; tokens made and index size are for that corpus.",
        "",
        "| analyzer | recall | precision | queries with recall < 1 | tokenize MB/s | "
        "index docs/s | index MB/s | tokens made | index size MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ANALYZERS:
        recall, precision, short = quality[name]
        lines.append(
            f"| {name} | {recall:.3f} | {precision:.3f} | {short} of {len(queries)} | "
            f"{megabytes / token_s[name]:.2f} | {len(big) / index_s[name]:.0f} | "
            f"{megabytes / index_s[name]:.2f} | {tokens[name]:,} | {sizes[name] / 1e6:.1f} |"
        )
    lines += [
        "",
        f"jieba loads its dictionary once per process before any of this: {jieba_init:.2f} s "
        "(not in the figures above).",
        "",
    ]

    differ = [q for q in queries if found["bigrams"][q] != found["jieba"][q]]
    if differ:
        lines.append("Queries where the two differ (found relevant / relevant, and what missed):")
        lines.append("")
        for q in differ:
            rel = relevant[q]
            parts = []
            for name in ANALYZERS:
                hits = found[name][q]
                missed = sorted(rel - hits)
                extra = sorted(hits - rel)
                part = f"{name} {len(hits & rel)}/{len(rel)}"
                if missed:
                    part += " missing " + ", ".join(
                        f"{d} {_context(q, texts[d])}".rstrip() for d in missed[:3]
                    )
                    part += " …" if len(missed) > 3 else ""
                if extra:
                    part += f", {len(extra)} not relevant ({', '.join(extra[:3])})"
                parts.append(part)
            lines.append(f"- `{q}`: " + "; ".join(parts))
        lines.append("")
    else:
        lines += ["Both analyzers find the same documents for every query.", ""]

    b_recall, j_recall = quality["bigrams"][0], quality["jieba"][0]
    speed = index_s["jieba"] / index_s["bigrams"]
    raw = token_s["jieba"] / token_s["bigrams"]
    if abs(b_recall - j_recall) < 0.005:
        kept = "bigrams" if speed >= 1 else "jieba"
    else:
        kept = "bigrams" if b_recall > j_recall else "jieba"
    lines.append(
        f"**Kept: {kept}** (recall {b_recall:.3f} for bigrams against {j_recall:.3f} for jieba; "
        f"bigrams index {_times(speed)} and tokenize {_times(raw)} jieba's speed)."
    )
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
