"""A province's scale (issue 17): rebuild and search at BENCH_SCALE_ITEMS items (1,000,000).

**The home.** Built once into BENCH_SCALE_DATA (default /work/bench-data/scale-<items>) and
reused: a data home whose catalog holds the items of bench_index.py's synthetic corpus
(bureau text, 60% Chinese, 30% English, 10% mixed, 1-2 KB each), written as catalog rows
(an item row and one DOCX file row each, as filing writes them, without audit entries),
and whose text store (indexer/texts.py) holds each item's text, as indexing the items
once leaves it. Filing a million real DOCX files would take hours here, and a rebuild
whose texts are kept does not read the stored files.

1. **Rebuild**: `finding.rebuild` (what `bureau index rebuild` runs: the writer lock,
   `Indexer.rebuild` into a new tantivy generation, the switch) in a fresh process, timed,
   with its peak resident set size (VmHWM). The index it leaves is the one searched below
   and stays in the home for later measurements.
2. **Bare tantivy** writing the same documents in the same run, in a fresh process too:
   the same rows and texts read from the same two SQLite files in one query, written with
   tantivy's own tokenizer (title, body, document number) and the same exact-value fields,
   one writer with the same heap, one commit.
3. **Search latency**: bench_engines.py's 110 queries (archivist's clearance filter, page
   of 20, snippets) through `indexer.search.search` (opens the index each call),
   `indexer.search.run` on an open index, and bare tantivy on the bare index (its own
   parser, page read, snippets), after one warm-up round, the index files in page cache.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import tantivy

from archive import items
from archive.home import DataHome
from archive.service import Archive
from bench.bench_engines import (
    in_ms,
    latency_table,
    measure_search,
    measure_sizes,
    percentile,
    queries,
)
from bench.bench_index import ACTOR, Corpus, search_fields
from indexer import pool
from indexer.generations import IndexDir
from indexer.text import Extracted
from indexer.texts import TEXTS, TextStore

ITEMS = int(os.environ.get("BENCH_SCALE_ITEMS", "1000000"))
SIZE_ITEMS = int(os.environ.get("BENCH_SCALE_SIZE_ITEMS", "5000"))
DATA = Path(os.environ.get("BENCH_SCALE_DATA", f"/work/bench-data/scale-{ITEMS}"))
PASSPHRASE = b"bench passphrase"
BATCH = 5000
BARE_HEAP = 256_000_000
ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- the home --------------------------------------------------------------------------------


def home() -> Path:
    """The data home of ITEMS items, built now unless a complete one is there."""
    folder = DATA / "home"
    if (DATA / "complete").is_file():
        return folder
    if DATA.exists():
        subprocess.run(["rm", "-rf", str(DATA)], check=True)
    DATA.mkdir(parents=True)
    started = time.perf_counter()
    with Archive.init(DataHome(folder), actor=ACTOR, passphrase=lambda: PASSPHRASE) as archive:
        texts = TextStore(folder / "index" / TEXTS)
        conn = archive.conn
        docs = Corpus().docs(ITEMS)
        for start in range(0, ITEMS, BATCH):
            batch = [next(docs) for _ in range(min(BATCH, ITEMS - start))]
            rows = [_item_row(search_fields(d), d.n) for d in batch]
            conn.execute("BEGIN")
            conn.executemany(
                f"INSERT INTO items ({items.ITEM_COLUMNS}) "
                f"VALUES ({','.join('?' * len(items.ITEM_FIELDS))})",
                [[r[k] for k in items.ITEM_FIELDS] for r in rows],
            )
            conn.executemany(
                "INSERT INTO files (item_id, seq, role, rendition, official, name, media_type, "
                "size, sha256, stored_sha256, stored_size) "
                "VALUES (?, 1, 'document', 'docx', 1, ?, ?, 20000, ?, ?, 20000)",
                [(r["id"], f"d{r['item_no']}.docx", DOCX, r["sha256"], r["sha256"]) for r in rows],
            )
            conn.execute("COMMIT")
            filed = archive.items_by_id([r["id"] for r in rows])
            texts.keep(
                (filed[r["id"]], Extracted(text=d.body, unavailable=None))
                for r, d in zip(rows, batch, strict=True)
            )
        texts.close()
    (DATA / "complete").write_text(f"{time.perf_counter() - started:.0f}\n", encoding="utf-8")
    return folder


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _item_row(fields: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        **{k: None for k in items.ITEM_FIELDS},
        "id": fields["id"],
        "archive_code": fields["archive_code"],
        "fonds": "J042",
        "year": fields["year"],
        "retention": fields["retention"],
        "dept": fields["dept"],
        "item_no": n + 1,
        "kind": fields["kind"],
        "title": fields["title"],
        "date": fields["date"],
        "classification": fields["classification"],
        "doc_no": fields.get("doc_no"),
        "sha256": f"{n:064x}",
        "status": fields["status"],
        "filed_at": "2026-12-07T00:00:00Z",
        "filed_by": ACTOR,
        "sealed": int(fields["sealed"]),
        "encrypted": 0,
        "retention_override": 0,
    }


# -- the two writers, each in its own process ------------------------------------------------


def rebuild(folder: Path) -> dict[str, Any]:
    from bureau.services import finding

    with Archive.open(DataHome(folder), actor=ACTOR, passphrase=lambda: PASSPHRASE) as archive:
        before = _rss_mb()
        sampler = Sampler()
        started = time.perf_counter()
        with sampler:
            count = finding.rebuild(archive, "tantivy")
        seconds = time.perf_counter() - started
    return {
        "items": count,
        "seconds": seconds,
        "rss_before": before,
        "peak": _peak_mb(),
        "peak_with_workers": sampler.peak,
        "peak_anon": sampler.peak_anon,
        "timeline": sampler.timeline,
        "workers": pool.workers(),
    }


class Sampler:
    """The resident memory of this process and its children (the analysis workers),
    sampled every half second: the largest sum of all of it, the largest sum of its
    anonymous part (what the processes allocated, not the index files they map while
    tantivy merges segments), and a timeline (s, own anonymous, own file-mapped, workers)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.peak_anon = 0.0
        self.timeline: list[tuple[int, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(0.5):
            anon, mapped = _rss_of("self")
            workers = [_rss_of(str(pid)) for pid in _children()]
            workers_anon = sum(a for a, _f in workers)
            self.peak = max(self.peak, anon + mapped + sum(a + f for a, f in workers))
            self.peak_anon = max(self.peak_anon, anon + workers_anon)
            elapsed = time.monotonic() - start
            if not self.timeline or elapsed - self.timeline[-1][0] >= 15:
                self.timeline.append(
                    (round(elapsed), round(anon), round(mapped), round(workers_anon))
                )


def _children() -> list[int]:
    found = []
    for task in Path("/proc/self/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_of(pid: str) -> tuple[float, float]:
    """Anonymous and file-backed resident MB of process `pid`."""
    found = {"RssAnon:": 0.0, "RssFile:": 0.0, "RssShmem:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name = line.split(":", 1)[0] + ":"
            if name in found:
                found[name] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found["RssAnon:"], found["RssFile:"] + found["RssShmem:"]


def bare_write(folder: Path, target: Path) -> dict[str, float]:
    """Bare tantivy writing the same documents, read from the same files in one query."""
    builder = tantivy.SchemaBuilder()
    for name in ("title", "body", "doc_no"):
        builder.add_text_field(name, stored=True)
    for name in ("id", "archive_code", "dept", "kind", "classification", "date"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    builder.add_integer_field("date_n", indexed=True, fast=True)
    target.mkdir(parents=True, exist_ok=True)
    before = _rss_mb()
    started = time.perf_counter()
    index = tantivy.Index(builder.build(), path=str(target), reuse=False)
    writer = index.writer(heap_size=BARE_HEAP, num_threads=1)
    conn = sqlite3.connect(folder / "catalog.sqlite")
    conn.execute("ATTACH ? AS t", (str(folder / "index" / TEXTS),))
    rows = conn.execute(
        "SELECT i.id, i.archive_code, i.title, i.doc_no, i.dept, i.kind, i.classification, "
        "i.year, i.date, t.text FROM items i JOIN t.texts t ON t.item_id = i.id ORDER BY i.id"
    )
    count = 0
    for item_id, code, title, doc_no, dept, kind, level, year, when, text in rows:
        writer.add_document(
            tantivy.Document(
                id=item_id,
                archive_code=code,
                title=title,
                body=zlib.decompress(text).decode("utf-8"),
                doc_no=doc_no or "",
                dept=dept.lower(),
                kind=kind,
                classification=level,
                date=when,
                year=year,
                date_n=int(when.replace("-", "")),
            )
        )
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    return {"items": count, "seconds": seconds, "rss_before": before, "peak": _peak_mb()}


def _in_process(what: str, *args: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_scale", what, *map(str, args)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


# -- report ----------------------------------------------------------------------------------


def run() -> list[str]:
    started = time.perf_counter()
    load = os.getloadavg()[0]
    folder = home()
    built = (DATA / "complete").read_text().strip()
    ours = _in_process("rebuild", folder)
    bare_folder = DATA / "bare"
    subprocess.run(["rm", "-rf", str(bare_folder)], check=True)
    bare = _in_process("bare", folder, bare_folder)
    index_dir = IndexDir(folder / "index")
    generation = index_dir.current()
    assert generation is not None
    bare_index = tantivy.Index.open(str(bare_folder))
    bare_index.reload()
    times = measure_search(index_dir, bare_index)
    with tempfile.TemporaryDirectory() as tmp:
        sizes = measure_sizes(Path(tmp), SIZE_ITEMS)
    p95 = {k: percentile(v, 0.95) for k, v in times.items()}
    rate = {k: r["items"] / r["seconds"] for k, r in (("ours", ours), ("bare", bare))}
    lines = [
        f"## A province's scale: rebuild and search at {ITEMS:,} items (`bench/bench_scale.py`)",
        "",
        "`python -m bench.bench_scale` explains each measurement in its docstring; scale with "
        f"BENCH_SCALE_ITEMS. The home ({ITEMS:,} synthetic items as catalog rows and kept "
        f"texts, built once in {built} s) is kept in `{DATA}`; its index after the rebuild "
        f"is `{generation}` ({_size_mb(generation):.0f} MB). Load average when it started: "
        f"{load:.1f} on 2 CPUs (shared).",
        "",
        "| writing | seconds | items/s | RSS before (MB) | peak RSS (MB) |",
        "|---|---|---|---|---|",
        f"| bare tantivy: same rows and texts, own tokenizer, one commit | {bare['seconds']:.0f} "
        f"| {rate['bare']:.0f} | {bare['rss_before']:.0f} | {bare['peak']:.0f} |",
        f"| `bureau index rebuild` (`finding.rebuild`, tantivy) | {ours['seconds']:.0f} "
        f"| {rate['ours']:.0f} | {ours['rss_before']:.0f} | {ours['peak']:.0f} |",
        f"| ... with its {ours['workers']} analysis worker(s), sampled every 0.5 s |  |  |  "
        f"| {ours['peak_with_workers']:.0f} |",
        "",
        f"**Rebuild of {ITEMS:,} items: {ours['seconds'] / 60:.1f} min; peak memory allocated "
        f"{ours['peak_anon']:.0f} MB** with its workers (anonymous resident memory; aim: "
        f"under 10 min and 1 GB); peak resident in all {ours['peak_with_workers']:.0f} MB, "
        "the rest being pages of the index's own files that tantivy maps while it merges "
        "segments (page cache, given back under memory pressure). Ratio rebuild / bare "
        f"tantivy time: {ours['seconds'] / bare['seconds']:.2f}",
        "",
        "Resident memory during the rebuild (s: own allocated + own file-mapped + workers' "
        "allocated, MB): " + ", ".join(f"{t}: {a} + {f} + {w}" for t, a, f, w in ours["timeline"]),
        "",
        f"Search at {ITEMS:,} items, {len(queries())} queries, ms:",
        "",
        *latency_table(times),
    ]
    lines += [
        "",
        f"**p95 of `search()` at {ITEMS:,} items: {in_ms(p95['per_call'])} ms** (aim: under "
        f"50 ms); ratio p95 ours / bare tantivy: {p95['per_call'] / p95['bare']:.1f} per call, "
        f"{p95['kept_open'] / p95['bare']:.1f} kept open",
        "",
        f"Index size on disk per 1,000 items: the rebuilt index above "
        f"{_size_mb(generation) * 1000 / ITEMS:.2f} MB, the bare tantivy index "
        f"{_size_mb(bare_folder) * 1000 / ITEMS:.2f} MB; written by the engines' writers "
        f"(`bench_engines.measure_sizes`, {SIZE_ITEMS:,} items, one commit):",
        "",
        "| engine | MB per 1,000 items | s per 1,000 items written |",
        "|---|---|---|",
        *[f"| {engine} | {mb:.2f} | {s:.2f} |" for engine, (mb, s) in sizes.items()],
        "",
        f"**Ratio size Whoosh / tantivy: {sizes['whoosh'][0] / sizes['tantivy'][0]:.2f}; "
        f"write time Whoosh / tantivy: {sizes['whoosh'][1] / sizes['tantivy'][1]:.2f}**",
        "",
        f"_This section took {time.perf_counter() - started:.0f} s._",
    ]
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        print(json.dumps(rebuild(Path(sys.argv[2]))))
    elif sys.argv[1:2] == ["bare"]:
        print(json.dumps(bare_write(Path(sys.argv[2]), Path(sys.argv[3]))))
    elif sys.argv[1:2] == ["home"]:
        print(home())
    else:
        print("\n".join(run()))
