"""Reading a backup, a folder of snapshots or a single tar, the same way for both."""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from archive.backup.manifest import (
    CATALOG,
    KEYS,
    MANIFEST,
    MARKER,
    PARTIAL,
    SNAPSHOTS,
    STORE,
    BackupDamaged,
    KeyFile,
    Manifest,
    check_marker,
    is_snapshot_id,
    store_path,
)
from archive.errors import BadInput

MAX_JSON = 256 << 20  # a manifest of millions of files is still far below this


class Snapshot(Protocol):
    id: str
    manifest: Manifest
    where: str

    def open(self, path: str) -> BinaryIO:
        """A file of the snapshot by its manifest path; FileNotFoundError if absent."""
        ...

    def keys(self) -> KeyFile: ...


class Backup(Protocol):
    path: Path

    def snapshots(self) -> list[str]: ...

    def interrupted(self) -> list[str]: ...

    def snapshot(self, snapshot_id: str | None = None) -> Snapshot: ...

    def close(self) -> None: ...


def open_backup(path: Path) -> FolderBackup | TarBackup:
    """The backup at `path`; BadInput if there is none, BackupDamaged if it cannot be read."""
    if path.is_dir():
        marker = path / MARKER
        if not marker.is_file():
            raise BadInput(f"{path}: not a bureau backup (there is no {MARKER})")
        check_marker(_read_small(marker.open("rb"), str(marker)), str(marker))
        return FolderBackup(path)
    if path.is_file():
        return TarBackup(path)
    raise BadInput(f"{path}: there is no backup there")


@dataclass
class FolderSnapshot:
    root: Path  # the backup folder
    id: str
    manifest: Manifest

    @property
    def where(self) -> str:
        return str(self.folder)

    @property
    def folder(self) -> Path:
        return self.root / SNAPSHOTS / self.id

    def open(self, path: str) -> BinaryIO:
        base = self.root if path.startswith(STORE + "/") else self.folder
        return (base / path).open("rb")

    def keys(self) -> KeyFile:
        where = str(self.folder / KEYS)
        try:
            data = _read_small((self.folder / KEYS).open("rb"), where)
        except FileNotFoundError:
            raise BackupDamaged(f"{where}: the snapshot's keys file is missing") from None
        return KeyFile.from_bytes(data, where)


class FolderBackup:
    """A folder of snapshots sharing one store."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def snapshots(self) -> list[str]:
        """The complete snapshots, oldest first."""
        folder = self.path / SNAPSHOTS
        if not folder.is_dir():
            return []
        return sorted(
            p.name for p in folder.iterdir() if is_snapshot_id(p.name) and (p / MANIFEST).is_file()
        )

    def interrupted(self) -> list[str]:
        """Snapshots that were begun but never finished (or are being written now)."""
        folder = self.path / SNAPSHOTS
        if not folder.is_dir():
            return []
        return sorted(p.name[len(PARTIAL) :] for p in folder.glob(PARTIAL + "*"))

    def snapshot(self, snapshot_id: str | None = None) -> FolderSnapshot:
        """The named snapshot, or the newest; BadInput if there is none such."""
        chosen = _choose(self.snapshots(), snapshot_id, self.path)
        manifest_path = self.path / SNAPSHOTS / chosen / MANIFEST
        manifest = Manifest.from_bytes(
            _read_small(manifest_path.open("rb"), str(manifest_path)), str(manifest_path)
        )
        if manifest.snapshot != chosen:
            raise BackupDamaged(f"{manifest_path}: names snapshot {manifest.snapshot}")
        return FolderSnapshot(self.path, chosen, manifest)

    def close(self) -> None:
        pass


@dataclass
class TarSnapshot:
    tar: tarfile.TarFile
    members: dict[str, tarfile.TarInfo]
    id: str
    manifest: Manifest
    where: str

    def open(self, path: str) -> BinaryIO:
        member = self.members.get(path)
        stream = self.tar.extractfile(member) if member is not None else None
        if stream is None:
            raise FileNotFoundError(path)
        return stream

    def keys(self) -> KeyFile:
        try:
            data = _read_small(self.open(KEYS), f"{self.where}:{KEYS}")
        except FileNotFoundError:
            raise BackupDamaged(f"{self.where}: the keys file is missing") from None
        return KeyFile.from_bytes(data, f"{self.where}:{KEYS}")


class TarBackup:
    """A single snapshot in one uncompressed tar (random access through its member table)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:")  # noqa: SIM115 - closed by close()
        except (tarfile.TarError, OSError) as exc:
            raise BadInput(f"{path}: not a bureau backup (not a readable tar: {exc})") from exc
        try:
            self.members = self._members()
            if MARKER not in self.members:
                raise BadInput(f"{path}: not a bureau backup (the tar holds no {MARKER})")
            marker = self.tar.extractfile(self.members[MARKER])
            check_marker(_read_small(marker, f"{path}:{MARKER}"), f"{path}:{MARKER}")
        except BaseException:
            self.tar.close()
            raise

    def _members(self) -> dict[str, tarfile.TarInfo]:
        members: dict[str, tarfile.TarInfo] = {}
        try:
            for info in self.tar:
                if info.isfile():
                    members[info.name] = info
        except (tarfile.TarError, OSError) as exc:
            raise BackupDamaged(f"{self.path}: the tar is damaged or cut short ({exc})") from exc
        return members

    def snapshots(self) -> list[str]:
        return [self._manifest().snapshot] if MANIFEST in self.members else []

    def interrupted(self) -> list[str]:
        return []  # a tar is renamed into place only when complete

    def snapshot(self, snapshot_id: str | None = None) -> TarSnapshot:
        if MANIFEST not in self.members:
            raise BackupDamaged(f"{self.path}: the tar holds no manifest: it is cut short")
        manifest = self._manifest()
        _choose([manifest.snapshot], snapshot_id, self.path)
        return TarSnapshot(self.tar, self.members, manifest.snapshot, manifest, str(self.path))

    def _manifest(self) -> Manifest:
        stream = self.tar.extractfile(self.members[MANIFEST])
        where = f"{self.path}:{MANIFEST}"
        return Manifest.from_bytes(_read_small(stream, where), where)

    def close(self) -> None:
        with suppress(OSError):
            self.tar.close()


def _choose(available: list[str], wanted: str | None, path: Path) -> str:
    if not available:
        raise BadInput(f"{path}: the backup holds no complete snapshot")
    if wanted is None:
        return available[-1]
    if wanted not in available:
        raise BadInput(f"{path}: no snapshot {wanted!r} (there are: {', '.join(available[-5:])})")
    return wanted


def _read_small(stream: BinaryIO | None, where: str) -> bytes:
    if stream is None:
        raise BackupDamaged(f"{where}: cannot be read")
    with stream:
        data = stream.read(MAX_JSON + 1)
    if len(data) > MAX_JSON:
        raise BackupDamaged(f"{where}: far larger than a backup file can be")
    return data


@contextmanager
def catalog_of(snapshot: Snapshot) -> Iterator[sqlite3.Connection]:
    """The snapshot's catalog, read-only, from a private temporary copy (a backup is never
    written to by reading it). FileNotFoundError if the snapshot has none."""
    folder = Path(tempfile.mkdtemp(prefix="bureau-backup-"))
    try:
        copy = folder / CATALOG
        with snapshot.open(CATALOG) as stream, copy.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        finally:
            conn.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def destroyed(conn: sqlite3.Connection, shredded: set[str]) -> set[str]:
    """The stored files (as manifest paths) that only disposed items hold: a disposal
    removes them from the backup, so their absence is no damage."""
    owners: dict[str, set[str]] = {}
    for item_id, sha in conn.execute("SELECT item_id, stored_sha256 FROM files"):
        owners.setdefault(store_path(sha), set()).add(item_id)
    return {path for path, held_by in owners.items() if held_by <= shredded}
