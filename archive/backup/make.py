"""Taking a backup of a data home in use: a folder snapshot (incremental) or a single tar.

The catalog is copied with SQLite's online backup API (a catalog in PostgreSQL: exported at
one snapshot into a SQLite file of the same form) while the keys lock is held, so the
catalog and the master key ring are of one moment even if a key rotation is about to
start; documents filed after that moment are simply not in this snapshot. The stored
files the copy references are then copied, each checked against its SHA-256 on the way.
A stored file removed in between (an item reclassified: its plaintext replaced by
ciphertext) makes the snapshot start over.
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from archive import atomic
from archive.backup.manifest import (
    CATALOG,
    CONFIG,
    HOME_FOLDERS,
    KEYS,
    MANIFEST,
    MARKER,
    MASTER_FILE,
    PARTIAL,
    SNAPSHOTS,
    STORE,
    Entry,
    KeyFile,
    Manifest,
    marker_bytes,
    new_snapshot_id,
    store_path,
)
from archive.errors import BadInput, IntegrityError, NotFound, OperationFailed
from archive.home import DataHome
from archive.keyfiles import exclusive as keys_lock
from archive.store import Store, copy_hashed

CHUNK = 1 << 20
ATTEMPTS = 3  # snapshots started over when stored files vanish under them
Progress = Callable[[int], None]  # called with the number of stored files just handled


@dataclass
class BackupReport:
    dest: Path
    snapshot: str
    tar: bool
    items: int
    files: int  # every file in the snapshot's manifest
    copied: int  # stored files written this time
    reused: int  # stored files already in DEST from an earlier backup
    bytes: int  # the size of the snapshot
    bytes_copied: int  # what was written this time
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "dest": str(self.dest),
            "snapshot": self.snapshot,
            "tar": self.tar,
            "items": self.items,
            "files": self.files,
            "copied": self.copied,
            "reused": self.reused,
            "bytes": self.bytes,
            "bytes_copied": self.bytes_copied,
            "seconds": round(self.seconds, 3),
        }


class _StoreChanged(Exception):
    """A stored file named by the catalog copy was removed before it could be copied."""


@dataclass
class _Capture:
    """The catalog and home files of one moment, staged in a folder."""

    folder: Path
    keys: KeyFile
    items: int
    encrypted: int
    schema: int
    blobs: list[tuple[str, int]]  # stored files: SHA-256 as stored, size
    entries: list[Entry] = field(default_factory=list)  # the staged files


def take(
    home: DataHome,
    conn: sqlite3.Connection,
    dest: Path,
    tar: bool = False,
    progress: Progress | None = None,
    *,
    store: Store,
) -> BackupReport:
    """Back up `home` (whose catalog `conn` and `store` are open) into `dest`; the report.
    The stored files are copied from `store`, wherever it keeps them (the home's folder, a
    bucket) into the backup's own folder or tar.

    BadInput for a DEST that cannot be one; OperationFailed if writing fails (a full disk),
    in which case nothing written counts as a backup.
    """
    dest = Path(os.path.abspath(dest))
    _refuse_inside(home, dest)
    started = time.perf_counter()
    for attempt in range(ATTEMPTS):
        try:
            with _write_errors(dest):
                if tar:
                    report = _take_tar(home, conn, store, dest, progress)
                else:
                    report = _take_folder(home, conn, store, dest, progress)
        except _StoreChanged:
            if attempt == ATTEMPTS - 1:
                raise OperationFailed(
                    "stored files kept changing during the backup (items being "
                    "reclassified?): try again"
                ) from None
            continue
        report.seconds = time.perf_counter() - started
        return report
    raise AssertionError("unreachable")


# -- a folder backup ----------------------------------------------------------------------


def _take_folder(
    home: DataHome, conn: sqlite3.Connection, store: Store, dest: Path, progress: Progress | None
) -> BackupReport:
    with _folder_lock(dest):
        snapshots = dest / SNAPSHOTS
        snapshot = new_snapshot_id(p.name.removeprefix(PARTIAL) for p in snapshots.iterdir())
        work = snapshots / f"{PARTIAL}{snapshot}"
        work.mkdir()
        try:
            capture = _capture(home, conn, work)
            copied, reused, written = _copy_store(store, dest, capture.blobs, progress)
            atomic.sync_filesystem(dest)  # every file durable before the manifest says so
            manifest = _manifest(snapshot, capture)
            atomic.write_bytes(work / KEYS, capture.keys.to_bytes(), mode=0o600)
            atomic.write_bytes(work / MANIFEST, manifest.to_bytes())
            os.rename(work, snapshots / snapshot)
            atomic.fsync_dir(snapshots)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return BackupReport(
        dest=dest,
        snapshot=snapshot,
        tar=False,
        items=capture.items,
        files=len(manifest.entries),
        copied=copied,
        reused=reused,
        bytes=manifest.size,
        bytes_copied=written + sum(e.size for e in capture.entries),
    )


@contextmanager
def _folder_lock(dest: Path) -> Iterator[None]:
    """DEST made ready and held: one backup at a time, leftovers of interrupted ones gone."""
    if dest.exists() and not dest.is_dir():
        raise BadInput(f"{dest}: is a file (a tar backup is written with --tar)")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise BadInput(f"{dest}: holds other files, not a backup: choose a new or empty folder")
    if not dest.parent.is_dir():
        raise BadInput(f"{dest.parent}: no such folder")
    dest.mkdir(exist_ok=True)
    fd = os.open(dest / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BadInput(f"{dest}: another backup into it is running") from None
        if not (dest / MARKER).is_file():
            atomic.write_bytes(dest / MARKER, marker_bytes())
        (dest / SNAPSHOTS).mkdir(exist_ok=True)
        for leftover in (dest / SNAPSHOTS).glob(PARTIAL + "*"):
            shutil.rmtree(leftover, ignore_errors=True)
        shutil.rmtree(dest / STORE / "tmp", ignore_errors=True)
        yield
    finally:
        os.close(fd)


def _copy_store(
    store: Store, dest: Path, blobs: list[tuple[str, int]], progress: Progress | None
) -> tuple[int, int, int]:
    """Copy the stored files DEST lacks; (copied, reused, bytes written). The caller makes
    them durable with one sync of the file system."""
    copied = reused = written = 0
    tmp = dest / STORE / "tmp"
    for sha, size in blobs:
        target = dest / store_path(sha)
        if target.is_file() and target.stat().st_size == size:
            reused += 1
        else:
            tmp.mkdir(parents=True, exist_ok=True)
            part = tmp / f"{sha}.part"
            try:
                with _open_stored(store, sha) as source, part.open("wb") as out:
                    _copy_checked(source, out, sha)
                os.chmod(part, 0o444)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(part, target)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            copied += 1
            written += size
        if progress:
            progress(1)
    shutil.rmtree(tmp, ignore_errors=True)
    return copied, reused, written


# -- a tar backup ---------------------------------------------------------------------------


def _take_tar(
    home: DataHome, conn: sqlite3.Connection, store: Store, dest: Path, progress: Progress | None
) -> BackupReport:
    if dest.exists():
        raise BadInput(f"{dest}: already exists: a tar backup never replaces a file")
    if not dest.parent.is_dir():
        raise BadInput(f"{dest.parent}: no such folder")
    snapshot = new_snapshot_id()
    partial = dest.parent / f".{dest.name}{PARTIAL}{snapshot}"
    staging = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.staging-"))
    try:
        capture = _capture(home, conn, staging)
        with partial.open("xb") as raw:
            with tarfile.open(
                fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK
            ) as out:
                _add_bytes(out, MARKER, marker_bytes())
                for entry in capture.entries:
                    with (staging / entry.path).open("rb") as stream:
                        out.addfile(_info(entry.path, entry.size, entry.mode), stream)
                for sha, size in capture.blobs:
                    with _open_stored(store, sha) as source:
                        checked = _Checked(source)
                        out.addfile(_info(store_path(sha), size, 0o444), checked)
                        checked.verify(sha)
                    if progress:
                        progress(1)
                manifest = _manifest(snapshot, capture)
                _add_bytes(out, MANIFEST, manifest.to_bytes())
                _add_bytes(out, KEYS, capture.keys.to_bytes(), 0o600)
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(partial, dest)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            raise BadInput(f"{dest}: already exists: a tar backup never replaces a file") from None
        partial.unlink()
        atomic.fsync_dir(dest.parent)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    size = dest.stat().st_size
    return BackupReport(
        dest=dest,
        snapshot=snapshot,
        tar=True,
        items=capture.items,
        files=len(manifest.entries),
        copied=len(capture.blobs),
        reused=0,
        bytes=manifest.size,
        bytes_copied=size,
    )


def _info(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.mtime = int(time.time())
    return info


def _add_bytes(out: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    out.addfile(_info(name, len(data), mode), io.BytesIO(data))


class _Checked(io.RawIOBase):
    """A stream that hashes what is read through it (tarfile reads exactly the size)."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data

    def verify(self, sha: str) -> None:
        if self.digest.hexdigest() != sha:
            raise _corrupt(sha)


# -- what both kinds hold --------------------------------------------------------------------


def _capture(home: DataHome, conn: sqlite3.Connection, folder: Path) -> _Capture:
    """The catalog (without its data keys) and the home's files, staged in `folder`. The
    catalog, the master key and the seal PKI are copied under the keys lock, so they are of
    one moment: no rotation, passphrase change or seal change half done."""
    catalog = folder / CATALOG
    with keys_lock(home.folder("keys"), wait=True):
        files = [_staged_copy(folder, relative, source) for relative, source in _home_files(home)]
        copy = sqlite3.connect(catalog, isolation_level=None)
        try:
            _copy_catalog(conn, copy)
        except BaseException:
            copy.close()
            raise
        master = _master(home)
    try:
        keys = _strip_keys(copy, master)
        items, encrypted = copy.execute(
            "SELECT COUNT(*), COALESCE(SUM(encrypted), 0) FROM items"
        ).fetchone()
        schema = int(
            copy.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
        blobs = [
            (str(sha), int(size))
            for sha, size in copy.execute(
                "SELECT stored_sha256, MAX(stored_size) FROM files GROUP BY stored_sha256 "
                "ORDER BY stored_sha256"
            )
        ]
    finally:
        copy.close()
    capture = _Capture(folder, keys, int(items), int(encrypted), schema, blobs)
    capture.entries.append(_staged_entry(folder, CATALOG))
    capture.entries.extend(files)
    return capture


def _copy_catalog(conn: sqlite3.Connection, copy: sqlite3.Connection) -> None:
    """The catalog as of this moment into the empty SQLite database `copy`: SQLite's online
    backup, or a PostgreSQL catalog exported at one snapshot in the same format."""
    if isinstance(conn, sqlite3.Connection):
        conn.backup(copy)
        return
    from archive import catalogcopy

    catalogcopy.export_to_sqlite(conn, copy)


def _staged_copy(folder: Path, relative: str, source: Path) -> Entry:
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(source.stat().st_mode)
    with source.open("rb") as stream, target.open("xb") as out:
        digest = _copy_checked(stream, out, None)
    os.chmod(target, mode)
    return Entry(relative, digest, target.stat().st_size, mode)


def _strip_keys(copy: sqlite3.Connection, master: dict[str, Any] | None) -> KeyFile:
    """The copy's data keys moved into a KeyFile, leaving no trace of them in the copy."""
    keys = KeyFile(master=master)
    for item_id, version, wrapped in copy.execute(
        "SELECT item_id, version, wrapped FROM item_keys"
    ):
        keys.items[str(item_id)] = (int(version), base64.b64encode(bytes(wrapped)).decode())
    versions = set(master["masters"]) if master else set()
    if any(str(v) not in versions for v, _ in keys.items.values()):
        raise IntegrityError(
            "a data key names a master key version that keys/master.json does not hold"
        )
    copy.execute("PRAGMA secure_delete = ON")
    copy.execute("DELETE FROM item_keys")
    copy.execute("PRAGMA journal_mode = DELETE")
    copy.execute("VACUUM")
    return keys


def _master(home: DataHome) -> dict[str, Any] | None:
    path = home.folder("keys") / MASTER_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IntegrityError(f"{path}: the master key file is damaged") from exc


def _home_files(home: DataHome) -> Iterator[tuple[str, Path]]:
    """The configuration and every regular file of keys/ (the PKI) and templates/."""
    yield CONFIG, home.config_path
    for name in HOME_FOLDERS:
        base = home.folder(name)
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(home.root).as_posix()
            hidden = any(part.startswith(".") for part in path.relative_to(base).parts)
            if hidden or relative == f"keys/{MASTER_FILE}":
                continue
            if path.is_file() and not path.is_symlink():
                yield relative, path


def _staged_entry(folder: Path, relative: str) -> Entry:
    with (folder / relative).open("rb") as stream:
        sha, size = copy_hashed(stream, None)
    return Entry(relative, sha, size)


def _manifest(snapshot: str, capture: _Capture) -> Manifest:
    from datetime import UTC, datetime

    entries = list(capture.entries)
    entries += [Entry(store_path(sha), sha, size, 0o444) for sha, size in capture.blobs]
    return Manifest(
        snapshot=snapshot,
        made_at=datetime.now(UTC).isoformat(timespec="seconds"),
        schema=capture.schema,
        items=capture.items,
        encrypted_items=capture.encrypted,
        entries=entries,
    )


@contextmanager
def _open_stored(store: Store, sha: str) -> Iterator[BinaryIO]:
    try:
        stream = store.open(sha)
    except NotFound:
        raise _StoreChanged(sha) from None
    with stream:
        yield stream


def _copy_checked(source: BinaryIO, out: BinaryIO, sha: str | None) -> str:
    actual, _ = copy_hashed(source, out)
    if sha is not None and actual != sha:
        raise _corrupt(sha)
    return actual


def _corrupt(sha: str) -> IntegrityError:
    return IntegrityError(
        f"stored file {sha[:12]}… is corrupted in the data home, so it was not backed up: "
        "run `bureau audit verify`, and restore the file from an earlier backup"
    )


def _refuse_inside(home: DataHome, dest: Path) -> None:
    root = home.root.resolve()
    target = dest.resolve()
    if target == root or root in target.parents:
        raise BadInput(f"{dest}: is inside the data home: back up to another place")


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR)


@contextmanager
def _write_errors(dest: Path) -> Iterator[None]:
    """An OSError while writing DEST as the project's error, saying nothing was kept."""
    try:
        yield
    except sqlite3.OperationalError as exc:  # the catalog copy: "database or disk is full"
        full = "full" in str(exc)
        raise OperationFailed(
            f"{dest}: {'no space left for' if full else 'could not write'} the catalog copy "
            f"({exc}): the backup was not completed, and what was written of it does not "
            "count as a backup"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in _NO_SPACE:
            raise OperationFailed(
                f"{dest}: no space left ({reason}): the backup was not completed, and what "
                "was written of it does not count as a backup"
            ) from exc
        if exc.errno in _REFUSED:
            raise BadInput(f"{dest}: cannot write the backup there: {reason}") from exc
        raise OperationFailed(f"{dest}: the backup failed: {reason}") from exc
