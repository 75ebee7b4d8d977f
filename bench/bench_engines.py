"""The two index engines side by side: tantivy (a new home's) and Whoosh (an older home's).

1. **Search latency** at BENCH_ENGINE_ITEMS synthetic items (100,000 by default; the corpus
   of bench_index.py, indexed with the fields `index_fields` makes): 120 queries of the
   kinds archivists type (common and rare words, two words, phrases, Chinese words,
   document numbers as typed, filters, sorted by date, misspellings), each run
   - through the project's interface, `indexer.search.search` (opens the index, parses,
     searches with the clearance filter, makes snippets), and `indexer.search.run` on an
     index kept open, on the tantivy engine;
   - by bare tantivy on the same query text: one index with tantivy's own tokenizer and
     query parser, searched for a page of 20 whose stored fields are read and whose
     snippets tantivy makes, kept open.
   The ratio of p95s (ours / bare) is what to compare between runs. Each query is run the
   three ways in turn, with no parsed query kept from before. `python -m
   bench.bench_engines search` measures this part alone.
2. **Index size and write time per 1,000 items**, Whoosh against tantivy, written by the
   engines' writers (`Engine.writer`) in commits of 10,000 over BENCH_ENGINE_SIZE_ITEMS
   items (20,000 by default: Whoosh writes about 10 times slower).
3. **Rebuild time**: `Indexer.rebuild` of BENCH_ENGINE_REBUILD_ITEMS filed DOCX items
   (300 by default; catalog, blobs, extraction, analysis and writes) by each engine.

Scale knobs (environment variables): BENCH_ENGINE_ITEMS, BENCH_ENGINE_SIZE_ITEMS,
BENCH_ENGINE_REBUILD_ITEMS. The 100,000-item tantivy index is kept in
bench/out/engine-cache/ between runs (its build time is reported when it is built).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tantivy

from archive.home import DataHome
from archive.service import Archive
from bench.bench_index import (
    ACTOR,
    CORPUS_VERSION,
    DEPTS,
    SEARCHER_LEVELS,
    Corpus,
    filing_request,
    search_fields,
    write_docx,
)
from indexer.generations import SCHEMA_VERSION, IndexDir
from indexer.query import parse
from indexer.request import SearchRequest
from indexer.search import run as run_on_engine
from indexer.search import search
from indexer.sync import Indexer

ITEMS = int(os.environ.get("BENCH_ENGINE_ITEMS", "100000"))
SIZE_ITEMS = int(os.environ.get("BENCH_ENGINE_SIZE_ITEMS", "20000"))
REBUILD_ITEMS = int(os.environ.get("BENCH_ENGINE_REBUILD_ITEMS", "300"))
COMMIT_EVERY = 10_000
CACHE = Path(__file__).with_name("out") / "engine-cache"
PAGE = 20
COMMON = ["school", "teacher", "inspection", "budget", "safety", "students", "education",
          "notice", "report", "training", "examination", "approval", "audit", "canteen",
          "funding", "health", "meeting", "term"]  # fmt: skip
CHINESE = ["安全检查", "教师", "学校", "招生", "经费", "培训", "考试", "食堂", "教育", "通知",
           "安全", "资助", "课程", "校园", "卫生"]  # fmt: skip
MISSPELLED = ["inspectoin", "budgte", "certifcate", "examinaton", "canten", "trainnig"]


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _cold(action: Callable[[], object]) -> float:
    """`_timed`, with the query asked for the first time (no parsed query kept)."""
    parse.cache_clear()
    return _timed(action)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- writing ---------------------------------------------------------------------------------


def write_generation(index_dir: IndexDir, engine: str, fields: Iterator[dict[str, Any]]) -> float:
    """Write `fields` as a new live generation of `engine`, a commit per COMMIT_EVERY; s."""
    start = time.perf_counter()
    building = index_dir.start_generation(engine)
    index = index_dir.open(building, readonly=False)
    writer = index.writer()
    pending = 0
    for document in fields:
        writer.add(document)
        pending += 1
        if pending == COMMIT_EVERY:
            writer.commit()
            writer, pending = index.writer(), 0
    writer.commit()
    index.close()
    index_dir.finish_generation(building, position=0)
    return time.perf_counter() - start


def _fields(count: int) -> Iterator[dict[str, Any]]:
    for doc in Corpus().docs(count):
        yield search_fields(doc)


def search_index() -> tuple[IndexDir, float | None]:
    """The tantivy index of ITEMS items, from the cache or written now (then its seconds)."""
    folder = CACHE / f"c{CORPUS_VERSION}-s{SCHEMA_VERSION}-tantivy{tantivy.__version__}-{ITEMS}"
    index_dir = IndexDir(folder)
    if (folder / "complete").is_file():
        return index_dir, None
    shutil.rmtree(CACHE, ignore_errors=True)
    seconds = write_generation(index_dir, "tantivy", _fields(ITEMS))
    (folder / "complete").write_text(f"{seconds}\n", encoding="utf-8")
    return index_dir, seconds


def bare_index(folder: Path, count: int) -> tantivy.Index:
    """The same items in a bare tantivy index: its default tokenizer, stored text fields."""
    builder = tantivy.SchemaBuilder()
    for name in ("title", "body", "doc_no"):
        builder.add_text_field(name, stored=True)
    for name in ("id", "archive_code", "dept", "kind", "classification", "date"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_integer_field("date_n", indexed=True, fast=True)
    folder.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    for fields in _fields(count):
        writer.add_document(
            tantivy.Document(
                **{k: fields[k] for k in ("title", "body", "id", "archive_code", "date")},
                doc_no=fields.get("doc_no") or "",
                dept=fields["dept"].lower(),
                kind=fields["kind"],
                classification=fields["classification"],
                year=fields["year"],
                date_n=int(fields["date"].replace("-", "")),
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


# -- search ----------------------------------------------------------------------------------


def queries() -> list[SearchRequest]:
    """120 requests with an archivist's clearance filter, the same on every run."""
    rng = random.Random(17)
    corpus = Corpus()
    docs = list(corpus.docs(2000))
    rare = [w for d in docs[:400] for w in d.body.split() if w.isalpha() and len(w) > 8]
    numbers = [d.doc_no for d in docs if d.doc_no]
    texts = [*COMMON, *rng.sample(rare, 12)]
    texts += [" ".join(rng.sample(COMMON, 2)) for _ in range(15)]
    texts += [f'"{a} {b}"' for a, b in (("safety", "inspection"), ("teacher", "training"))]
    texts += CHINESE + [n for n in rng.sample(numbers, 15)]
    requests = [SearchRequest(t, levels=SEARCHER_LEVELS) for t in texts]
    for word in rng.sample(COMMON, 15):
        dept, year = rng.choice(DEPTS), rng.randint(2019, 2026)
        requests.append(SearchRequest(word, dept=dept, year=year, levels=SEARCHER_LEVELS))
    requests += [SearchRequest(w, sort="date", levels=SEARCHER_LEVELS) for w in COMMON[:12]]
    requests += [SearchRequest(w, levels=SEARCHER_LEVELS) for w in MISSPELLED]
    return requests


def bare_search(index: tantivy.Index, searcher: tantivy.Searcher, request: SearchRequest) -> int:
    """What a minimal tantivy application does: parse, filter, search a page, read it and
    make each hit's snippet."""
    parsed, _errors = index.parse_query_lenient(
        request.text, ["title", "body", "doc_no"], conjunction_by_default=True
    )
    schema = index.schema
    clauses = [(tantivy.Occur.Must, parsed)]
    levels = tantivy.Query.term_set_query(schema, "classification", list(SEARCHER_LEVELS))
    clauses.append((tantivy.Occur.Must, levels))
    if request.dept:
        clauses.append(
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "dept", request.dept.lower()))
        )
    if request.year is not None:
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "year", request.year)))
    wanted = tantivy.Query.boolean_query(clauses)
    options: dict[str, Any] = {"limit": PAGE, "count": True}
    if request.sort == "date":
        options.update(order_by_field="date_n", order=tantivy.Order.Desc)
    result = searcher.search(wanted, **options)
    snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
    for _score, address in result.hits:
        snippets.snippet_from_doc(searcher.doc(address)).to_html()
    return int(result.count)


def measure_search(index_dir: IndexDir, bare: tantivy.Index) -> dict[str, list[float]]:
    """Each query run the three ways one after the other (in an order that rotates), so
    that the load of a shared machine weighs on the three alike."""
    requests = queries()
    generation = index_dir.current()
    assert generation is not None
    for path in generation.iterdir():  # into the page cache: no query pays disk reads
        if path.is_file():
            path.read_bytes()
    for request in requests:  # one warm-up round
        search(index_dir, request)
    engine = index_dir.open(generation, readonly=True)
    searcher = bare.searcher()
    ways: dict[str, Callable[[SearchRequest], object]] = {
        "per_call": lambda r: search(index_dir, r),
        "kept_open": lambda r: run_on_engine(engine, r),
        "bare": lambda r: bare_search(bare, searcher, r),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for n, request in enumerate(requests):
            order = [*ways][n % 3 :] + [*ways][: n % 3]
            for name in order:
                times[name].append(_cold(lambda w=ways[name], r=request: w(r)))
    finally:
        engine.close()
    return times


# -- size and rebuild ------------------------------------------------------------------------


def measure_sizes(root: Path, count: int = SIZE_ITEMS) -> dict[str, tuple[float, float]]:
    """Per engine: MB per 1,000 items, and seconds per 1,000 items to write `count`."""
    found = {}
    for engine in ("tantivy", "whoosh"):
        index_dir = IndexDir(root / f"size-{engine}")
        seconds = write_generation(index_dir, engine, _fields(count))
        megabytes = _folder_bytes(index_dir.root) / 1e6
        found[engine] = (megabytes * 1000 / count, seconds * 1000 / count)
    return found


def measure_rebuilds(root: Path) -> dict[str, float]:
    """Median seconds of `Indexer.rebuild` per engine over the same filed items (3 rounds)."""
    with Archive.init(
        DataHome(root / "home"), actor=ACTOR, passphrase=lambda: b"bench passphrase"
    ) as archive:
        folder = root / "docs"
        folder.mkdir()
        for doc in Corpus(seed=7).docs(REBUILD_ITEMS):
            archive.file(filing_request(doc, write_docx(doc, folder / f"d{doc.n:05d}.docx")))
        index_dir = IndexDir(archive.home.folder("index"))
        found = {}
        for engine in ("tantivy", "whoosh"):
            rounds = []
            for _round in range(3):
                with index_dir.writer_lock():
                    rounds.append(_timed(Indexer(archive, index_dir, engine).rebuild))
            found[engine] = statistics.median(rounds)
        return found


# -- report ----------------------------------------------------------------------------------


def latency_table(times: dict[str, list[float]]) -> list[str]:
    """The table of `measure_search`'s times: p50, p95 and worst of each way, in ms."""
    lines = ["| how | p50 | p95 | max |", "|---|---|---|---|"]
    names = {
        "per_call": "`indexer.search.search` (opens the index each call)",
        "kept_open": "`indexer.search.run` on an open index",
        "bare": "bare tantivy (own tokenizer and parser, page of 20 read, snippets)",
    }
    for key, label in names.items():
        values = times[key]
        lines.append(
            f"| {label} | {in_ms(percentile(values, 0.5))} | {in_ms(percentile(values, 0.95))} "
            f"| {in_ms(max(values))} |"
        )
    return lines


def search_lines(times: dict[str, list[float]]) -> list[str]:
    """The search-latency table of `measure_search`'s times and the ratio of p95s."""
    p95 = {k: percentile(v, 0.95) for k, v in times.items()}
    return [
        f"### Search latency at {ITEMS:,} items (tantivy), {len(queries())} queries, ms",
        "",
        *latency_table(times),
        "",
        f"**Ratio p95 ours / bare tantivy: {p95['per_call'] / p95['bare']:.1f} per call, "
        f"{p95['kept_open'] / p95['bare']:.1f} kept open**",
        "",
    ]


def search_only() -> list[str]:
    """`python -m bench.bench_engines search`: the search latency alone (no sizes, no
    rebuilds), from the cached index and a bare index written for the run."""
    index_dir, _built = search_index()
    with tempfile.TemporaryDirectory() as tmp:
        return search_lines(measure_search(index_dir, bare_index(Path(tmp) / "bare", ITEMS)))


def run_lines() -> list[str]:
    started = time.perf_counter()
    index_dir, built = search_index()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bare = bare_index(root / "bare", ITEMS)
        times = measure_search(index_dir, bare)
        sizes = measure_sizes(root)
        rebuilds = measure_rebuilds(root)
    lines = [
        "## Index engines: tantivy and Whoosh (`bench/bench_engines.py`)",
        "",
        "`python -m bench.bench_engines` explains each measurement in its docstring; scale with "
        "BENCH_ENGINE_ITEMS, BENCH_ENGINE_SIZE_ITEMS and BENCH_ENGINE_REBUILD_ITEMS.",
        "",
        *search_lines(times),
        f"### Index size and write time ({SIZE_ITEMS:,} items, commits of {COMMIT_EVERY:,})",
        "",
        "| engine | MB per 1,000 items | s per 1,000 items written |",
        "|---|---|---|",
    ]
    for engine, (mb, seconds) in sizes.items():
        lines.append(f"| {engine} | {mb:.2f} | {seconds:.2f} |")
    lines += [
        "",
        f"**Ratio size Whoosh / tantivy: {sizes['whoosh'][0] / sizes['tantivy'][0]:.2f}; "
        f"write time Whoosh / tantivy: {sizes['whoosh'][1] / sizes['tantivy'][1]:.2f}**",
        "",
        f"### Rebuild of {REBUILD_ITEMS} filed DOCX items (`Indexer.rebuild`, median of 3)",
        "",
        "| engine | seconds | items/s |",
        "|---|---|---|",
    ]
    for engine, seconds in rebuilds.items():
        lines.append(f"| {engine} | {seconds:.2f} | {REBUILD_ITEMS / seconds:.0f} |")
    lines += [
        "",
        f"**Ratio rebuild time Whoosh / tantivy: {rebuilds['whoosh'] / rebuilds['tantivy']:.2f}**",
        "",
    ]
    if built is not None:
        lines.append(f"The {ITEMS:,}-item tantivy index was written in {built:.0f} s for this run.")
    lines.append(f"_This section took {time.perf_counter() - started:.0f} s._")
    return lines


def run() -> list[str]:
    return run_lines()


if __name__ == "__main__":
    print("\n".join(search_only() if sys.argv[1:] == ["search"] else run()))
    sys.exit(0)
