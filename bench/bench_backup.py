"""Backup and restore throughput, against a bare copy of the same files in the same run.

A data home of a few hundred real documents is filed once: PDFs carrying a noise image and
DOCX files with a noise picture, 0.2-2 MB each (so their bytes are incompressible), a few
of them confidential (so encrypted), and a few hundred small DOCX. Then, in each of 3
rounds, the real thing and its bare baselines run one after the other, each after an
`os.sync()`, in an order that rotates between rounds; every ratio is taken within a round
and the median of the rounds is reported.

1. **Folder backup** (`Archive.backup(DEST)`) into a fresh DEST. Bare: the catalog taken
   with SQLite's online backup API, and every stored file the catalog references copied
   with `shutil.copyfile`, then one `syncfs` of the destination (the backup makes its files
   durable the same way: one `syncfs` before the manifest is written). More bare rows for
   context: the copy with an fsync of each file instead; reading, hashing with SHA-256 and
   writing in 1 MiB chunks (the work the backup must do to check every byte) with an fsync
   of each file; and that with an fsync of each folder too. The backup is broken down by
   timing its own functions: the catalog capture, the stored files' read + hash + write,
   their creation, chmod and rename, and the one sync.
2. **Tar backup** (`Archive.backup(DEST, tar=True)`) against `tarfile` writing the same
   files into one uncompressed tar, fsynced, without and with hashing each file, and with
   hashing and a 1 MiB copy buffer (`copybufsize`) instead of tarfile's 16 KiB.
3. **Incremental backup**: 20 more documents filed, then a folder backup into the DEST
   that holds the earlier ones (it copies only what it lacks), against the bare copy of
   the catalog and of just the new stored files.
4. **Restore** of the latest snapshot (`bureau.services.backups.restore`: `archive.backup.restore`,
   then the index rebuilt, `audit verify` and the seals re-verified), stage by stage,
   against the bare copy of the snapshot's files out of the backup.

The fixture is filed with fsync and SQLite's synchronous writes turned off (then
`os.sync()`); everything timed runs as shipped. `python -m bench.bench_backup` prints the
section.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import sqlite3
import statistics
import struct
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import docx
from docx.shared import Inches

import bureau.services.finding
import bureau.services.sealing
from archive import atomic
from archive import backup as backup_package
from archive.backup import make
from archive.backup.manifest import MANIFEST, SNAPSHOTS, Manifest, is_store_path, store_path
from archive.filing import FilingRequest, Source
from archive.home import DataHome
from archive.service import Archive
from bench.documents import assemble_pdf, make_docx
from bureau.services import backups as bureau_backups
from bureau.services.session import Actor

LARGE = 240  # PDFs and DOCX with incompressible content, LARGE_SIZES bytes each
LARGE_SIZES = (200_000, 2_000_000)
SMALL = 300  # plain DOCX of a page or two of text
CONFIDENTIAL = 6  # of the large ones: encrypted at rest
MORE = 20  # filed before each incremental backup
ROUNDS = 3
SEED = 20261127
ACTOR = "bench"
CHUNK = 1 << 20


def _passphrase() -> bytes:
    return b"bench"


# -- the fixture ------------------------------------------------------------------------------


def _noise_pdf(title: str, noise: bytes) -> bytes:
    """A one-page PDF showing `title` and a grey-noise image (raw samples, no filter)."""
    width = 1000
    height = max(1, len(noise) // width)
    pixels = noise[: width * height]
    text = f"BT /F1 14 Tf 72 760 Td ({title}) Tj ET q 451 0 0 300 72 400 cm /Im1 Do Q"
    content = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
        b"/Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (width, height, len(pixels))
        + pixels
        + b"\nendstream",
        b"<< /Title (%s) >>" % title.encode("latin-1"),
    ]
    return assemble_pdf(objects, info=True)


def _noise_png(noise: bytes) -> bytes:
    """A greyscale PNG of `noise` (stored, not deflated: noise does not compress)."""
    width = 1000
    height = max(1, len(noise) // width)
    rows = b"".join(b"\0" + noise[y * width : (y + 1) * width] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


def _noise_docx(path: Path, title: str, noise: bytes) -> Path:
    document = docx.Document()
    document.core_properties.title = title
    document.add_paragraph(f"{title}: the survey photographs of the inspection.")
    document.add_picture(io.BytesIO(_noise_png(noise)), width=Inches(5))
    document.save(str(path))
    return path


def _documents(folder: Path, rng: random.Random, large: int, small: int, tag: str) -> list[Path]:
    """`large` noisy PDFs and DOCX (alternating) and `small` text DOCX, shuffled."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = []
    for n in range(large):
        noise = rng.randbytes(rng.randint(*LARGE_SIZES))
        title = f"Survey {tag}{n}"
        if n % 2:
            path = folder / f"{tag}large{n}.pdf"
            path.write_bytes(_noise_pdf(title, noise))
        else:
            path = _noise_docx(folder / f"{tag}large{n}.docx", title, noise)
        docs.append(path)
    for n in range(small):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(200, 1500)))
        docs.append(make_docx(folder / f"{tag}small{n}.docx", words, f"Notice {tag}{n}"))
    rng.shuffle(docs)
    return docs


_WORDS = [
    *("school", "safety", "inspection", "notice", "budget", "department", "planning"),
    *("finance", "annual", "report", "the", "of", "and", "to", "in", "for", "on", "with"),
    *("staff", "teachers", "students", "buildings", "repairs", "fire", "drill", "office"),
    *("committee", "approved", "meeting", "minutes", "district", "review"),
]


def _file(archive: Archive, docs: list[Path], confidential: int) -> None:
    secret = {d for d in docs if d.stat().st_size > LARGE_SIZES[0]}
    secret = set(sorted(secret)[:confidential])
    for n, doc in enumerate(docs):
        classification = "internal" if n % 3 else "public"
        if doc in secret:
            classification = "confidential"
        archive.file(
            FilingRequest(
                documents=[Source(doc)],
                kind="notice",
                dept="BGS",
                title=f"Document {doc.stem}",
                date="2026-03-04",
                classification=classification,
                retention="D30",
            )
        )


@contextmanager
def _unsynced(archive: Archive) -> Iterator[None]:
    """Fixture only: no fsync and no synchronous SQLite writes, then everything flushed."""
    saved = os.fsync
    level = archive.conn.execute("PRAGMA synchronous").fetchone()[0]
    os.fsync = lambda fd: None
    archive.conn.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        os.fsync = saved
        archive.conn.execute(f"PRAGMA synchronous = {int(level)}")
        os.sync()


def _blobs(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return [
        (str(sha), int(size))
        for sha, size in conn.execute(
            "SELECT stored_sha256, MAX(stored_size) FROM files GROUP BY stored_sha256 "
            "ORDER BY stored_sha256"
        )
    ]


# -- bare baselines ---------------------------------------------------------------------------


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_synced(source: Path, target: Path) -> None:
    """`shutil.copyfile` (the kernel copies: sendfile), then fsync."""
    shutil.copyfile(source, target)
    _fsync_path(target)


def _copy_hashed(source: Path, target: Path) -> None:
    """Read, SHA-256 and write in 1 MiB chunks, then fsync: the work the backup must do."""
    digest = hashlib.sha256()
    with source.open("rb") as stream, target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def _snapshot_catalog(conn: sqlite3.Connection, target: Path) -> None:
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    _fsync_path(target)


def _bare_folder(
    archive: Archive,
    target: Path,
    only: set[str] | None = None,
    copy: Callable[[Path, Path], None] = _copy_synced,
    sync_folders: bool = False,
    sync_all: bool = False,
) -> tuple[float, int]:
    """The catalog and the stored files it references (or `only` these) copied to `target`
    (and, with `sync_folders`, each folder that got a new file fsynced; with `sync_all`,
    the file system synced once at the end); (seconds, bytes)."""
    start = time.perf_counter()
    target.mkdir()
    _snapshot_catalog(archive.conn, target / "catalog.sqlite")
    size = (target / "catalog.sqlite").stat().st_size
    folders = set()
    for sha, blob_size in _blobs(archive.conn):
        if only is not None and sha not in only:
            continue
        out = target / store_path(sha)
        out.parent.mkdir(parents=True, exist_ok=True)
        copy(archive.home.root / store_path(sha), out)
        folders.add(out.parent)
        size += blob_size
    if sync_folders:
        for folder in folders:
            _fsync_path(folder)
    if sync_all:
        atomic.sync_filesystem(target)
    return time.perf_counter() - start, size


class _Hashing(io.RawIOBase):
    def __init__(self, source: io.BufferedReader) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _bare_tar(
    archive: Archive, target: Path, hashed: bool = False, buffer: int | None = None
) -> tuple[float, int]:
    """The catalog and every stored file it references written into one tar (each file
    hashed on the way, with `hashed`; copied in `buffer`-sized pieces, not tarfile's
    16 KiB, with `buffer`), fsynced."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:
        catalog = Path(staging) / "catalog.sqlite"
        _snapshot_catalog(archive.conn, catalog)
        with target.open("xb") as raw:
            with tarfile.open(
                fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, copybufsize=buffer
            ) as out:
                out.add(catalog, "catalog.sqlite")
                for sha, _ in _blobs(archive.conn):
                    path = archive.home.root / store_path(sha)
                    if not hashed:
                        out.add(path, store_path(sha))
                        continue
                    with path.open("rb") as stream:
                        out.addfile(out.gettarinfo(path, store_path(sha)), _Hashing(stream))
            raw.flush()
            os.fsync(raw.fileno())
    return time.perf_counter() - start, target.stat().st_size


def _bare_snapshot(dest: Path, snapshot: str, target: Path) -> tuple[float, int]:
    """The files of one snapshot of a folder backup copied out of it (what a restore reads)."""
    start = time.perf_counter()
    folder = dest / SNAPSHOTS / snapshot
    manifest = Manifest.from_bytes((folder / MANIFEST).read_bytes(), str(folder))
    size = 0
    for entry in manifest.entries:
        source = dest / entry.path if is_store_path(entry.path) else folder / entry.path
        out = target / entry.path
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out)
        size += entry.size
    atomic.sync_filesystem(target)  # as the restore makes its home durable: one sync
    return time.perf_counter() - start, size


# -- timing the real thing, stage by stage ------------------------------------------------------


@contextmanager
def _stages(*targets: tuple[Any, str, str]) -> Iterator[dict[str, float]]:
    """Time every call of each (owner, attribute) under its label while the block runs."""
    spent: dict[str, float] = {label: 0.0 for _, _, label in targets}
    saved = []
    for owner, name, label in targets:
        original = getattr(owner, name)
        saved.append((owner, name, original))

        def timed(*args: Any, _f: Callable = original, _l: str = label, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return _f(*args, **kw)
            finally:
                spent[_l] += time.perf_counter() - start

        setattr(owner, name, timed)
    try:
        yield spent
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def _backup(archive: Archive, dest: Path, tar: bool = False) -> tuple[Any, dict[str, float]]:
    """`Archive.backup`, and the seconds spent in its stages."""
    with _stages(
        (make, "_capture", "capture"),
        (make, "_copy_store", "store"),
        (make, "_copy_checked", "copy"),  # read + SHA-256 + write
        (atomic, "sync_filesystem", "sync"),
    ) as spent:
        report = archive.backup(dest, tar=tar)
    return report, dict(spent)


def _restore(source: Path, target: DataHome) -> tuple[Any, dict[str, float]]:
    """`bureau.services.backups.restore`, and the seconds spent in its stages."""
    started = time.perf_counter()
    with _stages(
        (backup_package, "restore", "files"),
        (bureau.services.finding, "rebuild", "index"),
        (Archive, "verify", "verify"),
        (bureau.services.sealing, "reverify_sealed", "seals"),
    ) as spent:
        restored = bureau_backups.restore(source, target, Actor(ACTOR, _passphrase, lambda: ""))
    return restored, {**spent, "seconds": time.perf_counter() - started}


def _rotated(round_: int, *runs: Callable[[], Any]) -> list[Any]:
    """Each of `runs` once, after an `os.sync()`, in an order that rotates between rounds
    (so that none always runs first or last); their results in the order given."""
    results: list[Any] = [None] * len(runs)
    for k in range(len(runs)):
        i = (k + round_) % len(runs)
        os.sync()
        results[i] = runs[i]()
    return results


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    os.sync()


# -- the benchmark ---------------------------------------------------------------------------------


def run() -> list[str]:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        docs = _documents(root / "docs", rng, LARGE, SMALL, "")
        extra = [
            _documents(root / f"more{r}", rng, MORE // 2, MORE // 2, f"more{r}-")
            for r in range(ROUNDS)
        ]
        made = time.perf_counter() - started
        with Archive.init(DataHome(root / "home"), actor=ACTOR, passphrase=_passphrase) as archive:
            with _unsynced(archive):
                _file(archive, docs, CONFIDENTIAL)
            filed = time.perf_counter() - started - made
            fixture = _fixture(archive) | {"made": made, "filed": filed}
            full, tars = _full(root, archive), _tar(root, archive)
            incremental, latest = _incremental(root, archive, root / "kept", extra)
            restores = _restores(root, root / "kept", latest)
    return _section(fixture, full, tars, incremental, restores)


def _fixture(archive: Archive) -> dict[str, float]:
    blobs = _blobs(archive.conn)
    return {
        "items": archive.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0],
        "encrypted": archive.conn.execute(
            "SELECT COUNT(*) FROM items WHERE encrypted = 1"
        ).fetchone()[0],
        "blobs": len(blobs),
        "store_mb": sum(size for _, size in blobs) / 1e6,
        "catalog_mb": archive.home.catalog_path.stat().st_size / 1e6,
    }


def _full(root: Path, archive: Archive) -> list[dict[str, float]]:
    """Full folder backups into a fresh DEST, and the three bare copies, each round; the
    DEST of the first round is kept (as `kept`) for the incremental backups."""
    rows = []
    for r in range(ROUNDS):
        dest = root / ("kept" if r == 0 else f"dest{r}")
        synced, bare, hashed, durable, (report, spent) = _rotated(
            r,
            partial(_bare_folder, archive, root / "synced", copy=shutil.copyfile, sync_all=True),
            partial(_bare_folder, archive, root / "bare"),
            partial(_bare_folder, archive, root / "hashed", copy=_copy_hashed),
            partial(_bare_folder, archive, root / "durable", copy=_copy_hashed, sync_folders=True),
            partial(_backup, archive, dest),
        )
        _remove(
            root / "synced",
            root / "bare",
            root / "hashed",
            root / "durable",
            *([dest] if r else []),
        )
        rate = report.bytes / 1e6 / report.seconds
        rows.append(
            {
                "backup": rate,
                "seconds": report.seconds,
                "mb": report.bytes / 1e6,
                "files": report.files,
                "synced": synced[1] / 1e6 / synced[0],
                "synced_s": synced[0],
                "bare": bare[1] / 1e6 / bare[0],
                "bare_s": bare[0],
                "hashed": hashed[1] / 1e6 / hashed[0],
                "hashed_s": hashed[0],
                "durable": durable[1] / 1e6 / durable[0],
                "durable_s": durable[0],
                "ratio": rate / (synced[1] / 1e6 / synced[0]),
                "ratio_fsync": rate / (bare[1] / 1e6 / bare[0]),
                "ratio_hashed": rate / (hashed[1] / 1e6 / hashed[0]),
                "ratio_durable": rate / (durable[1] / 1e6 / durable[0]),
                "capture": spent["capture"],
                "copy": spent["copy"],
                "sync": spent["sync"],
                # creating, chmod and renaming each stored file
                "files_rest": spent["store"] - spent["copy"],
                "other": report.seconds - spent["capture"] - spent["store"] - spent["sync"],
            }
        )
    return rows


def _tar(root: Path, archive: Archive) -> list[dict[str, float]]:
    rows = []
    for r in range(ROUNDS):
        target = root / f"backup{r}.tar"
        bare, hashed, big, (report, _) = _rotated(
            r,
            partial(_bare_tar, archive, root / "bare.tar"),
            partial(_bare_tar, archive, root / "hashed.tar", hashed=True),
            partial(_bare_tar, archive, root / "big.tar", hashed=True, buffer=CHUNK),
            partial(_backup, archive, target, tar=True),
        )
        _remove(root / "bare.tar", root / "hashed.tar", root / "big.tar", target)
        rate = report.bytes / 1e6 / report.seconds
        rows.append(
            {
                "backup": rate,
                "seconds": report.seconds,
                "bare": bare[1] / 1e6 / bare[0],
                "bare_s": bare[0],
                "hashed": hashed[1] / 1e6 / hashed[0],
                "hashed_s": hashed[0],
                "big": big[1] / 1e6 / big[0],
                "big_s": big[0],
                "ratio": rate / (bare[1] / 1e6 / bare[0]),
                "ratio_hashed": rate / (hashed[1] / 1e6 / hashed[0]),
                "ratio_big": rate / (big[1] / 1e6 / big[0]),
            }
        )
    return rows


def _incremental(
    root: Path, archive: Archive, dest: Path, extra: list[list[Path]]
) -> tuple[list[dict[str, float]], str]:
    """Each round: a few more documents filed, then a backup into `dest` (which holds the
    earlier ones) against the bare copy of the catalog and just the new stored files."""
    rows = []
    snapshot = ""
    for r in range(ROUNDS):
        before = {sha for sha, _ in _blobs(archive.conn)}
        _file(archive, extra[r], 0)
        new = {sha for sha, _ in _blobs(archive.conn)} - before
        bare, (report, spent) = _rotated(
            r,
            partial(_bare_folder, archive, root / "bare", only=new),
            partial(_backup, archive, dest),
        )
        _remove(root / "bare")
        snapshot = report.snapshot
        rows.append(
            {
                "seconds": report.seconds,
                "bare_s": bare[0],
                "bare_mb": bare[1] / 1e6,
                "copied": report.copied,
                "reused": report.reused,
                "mb_copied": report.bytes_copied / 1e6,
                "capture": spent["capture"],
                "store": spent["store"],
                "ratio": bare[0] / report.seconds,
            }
        )
    return rows, snapshot


def _restores(root: Path, dest: Path, snapshot: str) -> list[dict[str, float]]:
    rows = []
    for r in range(ROUNDS):
        target = DataHome(root / f"restored{r}")
        bare, (restored, spent) = _rotated(
            r,
            partial(_bare_snapshot, dest, snapshot, root / "bare"),
            partial(_restore, dest, target),
        )
        _remove(root / "bare", target.root)
        if not restored.verify.ok:
            raise AssertionError(f"the restored home does not verify: {restored.verify.problems}")
        mb = restored.report.bytes / 1e6
        rows.append(
            {
                **spent,
                "mb": mb,
                "files_rate": mb / spent["files"],
                "bare_s": bare[0],
                "bare": bare[1] / 1e6 / bare[0],
                "ratio": (mb / spent["files"]) / (bare[1] / 1e6 / bare[0]),
                "indexed": restored.indexed,
            }
        )
    return rows


def _section(
    fixture: dict[str, float],
    full: list[dict[str, float]],
    tars: list[dict[str, float]],
    incremental: list[dict[str, float]],
    restores: list[dict[str, float]],
) -> list[str]:
    def m(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    def line(what: str, rows: list[dict[str, float]], seconds: str, rate: str = "") -> str:
        return f"| {what} | {m(rows, seconds):.2f} | {f'{m(rows, rate):.0f}' if rate else ''} |"

    f = fixture
    return [
        "## Backup and restore throughput (`bench/bench_backup.py`)",
        "",
        f"A data home of {f['items']:.0f} items ({f['encrypted']:.0f} encrypted), "
        f"{f['blobs']:.0f} stored files of {f['store_mb']:.0f} MB and a {f['catalog_mb']:.1f} "
        f"MB catalog: {LARGE} PDFs and DOCX of {LARGE_SIZES[0] / 1e6:.1f}-"
        f"{LARGE_SIZES[1] / 1e6:.0f} MB carrying noise (incompressible) and {SMALL} small DOCX "
        f"(made in {f['made']:.0f} s, filed without fsync in {f['filed']:.0f} s). Each figure "
        f"is the median of {ROUNDS} rounds; in each round the backup and its bare baselines "
        "run one after the other, in an order that rotates between rounds, and the ratios are "
        "taken within the round.",
        "",
        "| full folder backup into a fresh DEST | seconds | MB/s |",
        "|---|---|---|",
        line(
            "bare: online catalog backup + `shutil.copyfile`, then one `syncfs`",
            full,
            "synced_s",
            "synced",
        ),
        line("bare: the same with an fsync of each file instead", full, "bare_s", "bare"),
        line(
            "bare: the same, read + SHA-256 + write (1 MiB chunks) + fsync",
            full,
            "hashed_s",
            "hashed",
        ),
        line("bare: the same + fsync of each folder given a file", full, "durable_s", "durable"),
        line(
            f"`Archive.backup(DEST)` ({m(full, 'mb'):.0f} MB, {m(full, 'files'):.0f} files)",
            full,
            "seconds",
            "backup",
        ),
        line(
            "... catalog capture (online backup, keys stripped, VACUUM, home files)",
            full,
            "capture",
        ),
        line("... stored files: read + SHA-256 + write", full, "copy"),
        line("... stored files: create, chmod, rename each", full, "files_rest"),
        line("... one `syncfs` of DEST before the manifest", full, "sync"),
        line("... manifest, keys file, audit entry", full, "other"),
        "",
        f"**Ratio folder backup / bare copy: {m(full, 'ratio'):.2f}** (both made durable with "
        f"one `syncfs`); against the copy fsyncing each file {m(full, 'ratio_fsync'):.2f}, the "
        f"hashing copy {m(full, 'ratio_hashed'):.2f}, the hashing copy that also fsyncs the "
        f"folders {m(full, 'ratio_durable'):.2f}.",
        "",
        "| tar backup | seconds | MB/s |",
        "|---|---|---|",
        line("bare: `tarfile` of the same files, fsynced", tars, "bare_s", "bare"),
        line(
            "bare: the same, each file hashed with SHA-256 on the way", tars, "hashed_s", "hashed"
        ),
        line(
            "bare: the same with `copybufsize` 1 MiB (tarfile's default: 16 KiB)",
            tars,
            "big_s",
            "big",
        ),
        line("`Archive.backup(DEST, tar=True)`", tars, "seconds", "backup"),
        "",
        f"**Ratio tar backup / bare tar: {m(tars, 'ratio'):.2f}**; against the hashing tar "
        f"{m(tars, 'ratio_hashed'):.2f}, against the hashing tar with 1 MiB copies "
        f"{m(tars, 'ratio_big'):.2f}.",
        "",
        f"**Incremental:** {MORE} more documents filed, then a backup into the DEST that holds "
        f"the earlier ones: {m(incremental, 'copied'):.0f} stored files copied "
        f"({m(incremental, 'mb_copied'):.1f} MB written with the snapshot's catalog and home "
        f"files), {m(incremental, 'reused'):.0f} reused, in {m(incremental, 'seconds'):.2f} s "
        f"(catalog capture {m(incremental, 'capture'):.2f} s, stored files "
        f"{m(incremental, 'store'):.2f} s); the bare copy of the catalog and just the new files "
        f"({m(incremental, 'bare_mb'):.1f} MB) takes {m(incremental, 'bare_s'):.2f} s. "
        f"**Ratio bare / incremental (time): {m(incremental, 'ratio'):.2f}**",
        "",
        "| restore of the latest snapshot (`bureau.services.backups.restore`) | seconds | MB/s |",
        "|---|---|---|",
        line(
            "bare: the snapshot's files copied out of the backup, then one `syncfs`",
            restores,
            "bare_s",
            "bare",
        ),
        line(
            "files: `archive.backup.restore` (every file checked, data keys)",
            restores,
            "files",
            "files_rate",
        ),
        line(f"index rebuilt ({m(restores, 'indexed'):.0f} items)", restores, "index"),
        line("`audit verify` (every stored file hashed)", restores, "verify"),
        line("seals re-verified", restores, "seals"),
        line("in all", restores, "seconds"),
        "",
        f"**Ratio restore of the files / bare copy: {m(restores, 'ratio'):.2f}**",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
