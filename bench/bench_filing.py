"""Filing throughput: items filed per second, against the bare cost of the same bytes.

The bare baseline does what filing cannot avoid: hash each file with SHA-256, write it to a
temporary file, fsync and rename it. The ratio (filing rate / bare rate) is the archive's
overhead for validation, metadata, the catalog transaction and the audit entry.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path

from archive.filing import FilingRequest, Source
from archive.home import DataHome
from archive.service import Archive
from bench.documents import make_docx, pdf_bytes

COUNT = 200
ROUNDS = 3


def _documents(folder: Path) -> list[Path]:
    docs = []
    for n in range(COUNT):
        if n % 2:
            path = folder / f"doc{n}.pdf"
            path.write_bytes(pdf_bytes(f"Notice {n} " + "x" * 2000))
        else:
            path = make_docx(folder / f"doc{n}.docx", f"Notice {n} on inspections. " * 400, f"N{n}")
        docs.append(path)
    return docs


def _bare(docs: list[Path], target: Path) -> float:
    target.mkdir()
    start = time.perf_counter()
    for doc in docs:
        data = doc.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        tmp = target / f"{sha}.part"
        with tmp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target / sha)
    return time.perf_counter() - start


def _filing(docs: list[Path], home: Path, store_at: str = "local") -> float:
    """Seconds to file `docs` one by one into a new home keeping its files at `store_at`."""
    with Archive.init(
        DataHome(home), actor="bench", passphrase=lambda: b"bench passphrase", store_at=store_at
    ) as archive:
        return file_each(archive, docs)


def file_each(archive: Archive, docs: list[Path]) -> float:
    """Seconds to file `docs` one by one as notices of the General Office."""
    start = time.perf_counter()
    for n, doc in enumerate(docs):
        archive.file(
            FilingRequest(
                documents=[Source(doc)],
                kind="notice",
                dept="BGS",
                title=f"Notice {n}",
                date="2026-03-04",
                retention="D30",
            )
        )
    return time.perf_counter() - start


def run() -> list[str]:
    bare_times, filing_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = _documents(root)
        megabytes = sum(d.stat().st_size for d in docs) / 1e6
        for r in range(ROUNDS):
            bare_times.append(_bare(docs, root / f"bare{r}"))
            filing_times.append(_filing(docs, root / f"home{r}"))
    bare = statistics.median(bare_times)
    filing = statistics.median(filing_times)
    return [
        "## Filing throughput (`bench/bench_filing.py`)",
        "",
        f"{COUNT} documents (half DOCX, half PDF, {megabytes:.1f} MB in all), filed one by one "
        f"through the service layer; median of {ROUNDS} rounds.",
        "",
        "| what | items/s | MB/s |",
        "|---|---|---|",
        f"| bare: SHA-256 + write + fsync + rename | {COUNT / bare:.0f} | {megabytes / bare:.1f} |",
        f"| `Archive.file` (validate, store, catalog, audit) | {COUNT / filing:.0f} | "
        f"{megabytes / filing:.1f} |",
        "",
        f"**Ratio filing / bare: {bare / filing:.2f}**",
    ]
