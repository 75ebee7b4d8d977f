"""The catalog on PostgreSQL next to SQLite: filing and document-number throughput.

The same documents are filed one by one through the service layer into a home whose catalog
is SQLite (the embedded default) and into one whose catalog is PostgreSQL (a server of
Debian's package started here in a temporary folder, fsync on, over loopback TCP), both
with the local store; then 500 document numbers are allocated in each. The ratio
PostgreSQL / SQLite is what to compare between runs (the issue's aim for filing on
PostgreSQL + S3: at least 0.5).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from archive.home import DataHome
from archive.service import Archive
from bench.bench_filing import _documents, file_each
from tests import pg_server

COUNT = 200
NUMBERS = 500
ROUNDS = 3
PASSPHRASE = b"bench passphrase"


def _home(root: Path, catalog_at: str) -> Archive:
    return Archive.init(
        DataHome(root), actor="bench", passphrase=lambda: PASSPHRASE, catalog_at=catalog_at
    )


def _numbering(archive: Archive) -> float:
    start = time.perf_counter()
    for _ in range(NUMBERS):
        archive.allocate_number("BGS", "notice", "zh", 2026)
    return time.perf_counter() - start


def _round(root: Path, docs: list[Path], catalog_at: str) -> tuple[float, float]:
    with _home(root, catalog_at) as archive:
        return file_each(archive, docs), _numbering(archive)


def run() -> list[str]:
    times: dict[str, list[tuple[float, float]]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory() as tmp, pg_server.running(durable=True) as server:
        os.environ["PGPASSWORD"] = pg_server.ROLE_PASSWORD
        root = Path(tmp)
        docs = _documents(root)
        for r in range(ROUNDS):
            times["sqlite"].append(_round(root / f"sqlite{r}", docs, "sqlite"))
            times["postgresql"].append(_round(root / f"pg{r}", docs, server.new_database()))
    filing = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    numbering = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
    return [
        "## Catalog on PostgreSQL (`bench/bench_pgcatalog.py`)",
        "",
        f"{COUNT} documents (half DOCX, half PDF) filed one by one through the service layer, "
        f"then {NUMBERS} document numbers allocated, into a home with its catalog in SQLite "
        "and one with it in PostgreSQL 15 (started here, fsync on, loopback TCP), both with "
        f"the local store; median of {ROUNDS} rounds.",
        "",
        "| catalog | filed items/s | numbers/s |",
        "|---|---|---|",
        *(
            f"| {k} | {COUNT / filing[k]:.0f} | {NUMBERS / numbering[k]:.0f} |"
            for k in ("sqlite", "postgresql")
        ),
        "",
        f"**Ratio PostgreSQL / SQLite: filing {filing['sqlite'] / filing['postgresql']:.2f}, "
        f"numbering {numbering['sqlite'] / numbering['postgresql']:.2f}**",
    ]
