"""The content-addressed blob store: every filed file, stored once under its SHA-256.

`Store` is what the rest of the archive asks of a store; `BlobStore` keeps the blobs in the
home's own folder, `archive.s3store.S3Store` in an S3 bucket shared by several servers
(chosen by the home's `store` setting: `open_setting`).

In the home's folder, a blob is written to a temporary file, fsynced, then renamed into
place, so a reader never sees half a file and a kill leaves at most an unreferenced blob or
temporary file; `sweep` removes those once they are older than a grace period (a filing in
flight is younger).
Blobs are read-only on disk: filed content never changes.

A batch of filings (the inbox's) may store its blobs with `durable=False` and make them
all durable at once with `sync`, one call instead of two fsyncs a blob: what counts is
that every blob is durable before the catalog transaction that refers to it commits.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from archive import atomic
from archive.backends import LOCAL_STORE, store_location
from archive.errors import BadInput, IntegrityError, NotFound

CHUNK = 1 << 20


def copy_hashed(source: BinaryIO, out: BinaryIO | None) -> tuple[str, int]:
    """Copy `source` to `out` (or just read it, with None); its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class Store(Protocol):
    """Content-addressed, write-once storage of the archive's files, named by SHA-256."""

    networked: bool
    """Whether each call is a request across a network, so that several are worth making
    at once (from threads: a store is safe to share between them)."""

    def exists(self, sha256: str) -> bool: ...

    def put_file(self, source: Path, durable: bool = True) -> StoredBlob: ...

    def put_bytes(self, data: bytes, durable: bool = True) -> StoredBlob: ...

    def put_stream(self, stream: BinaryIO, durable: bool = True) -> StoredBlob:
        """Store `stream`'s bytes (idempotent for equal content). With `durable=False` the
        caller must `sync` before anything refers to the blob."""
        ...

    def sync(self) -> None: ...

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes; NotFound if the blob is missing."""
        ...

    def read_verified(self, sha256: str, out: BinaryIO) -> int: ...

    def hash_of(self, sha256: str) -> tuple[str, int]: ...

    def remove(self, sha256: str) -> None: ...

    def blobs(self) -> Iterator[str]:
        """The SHA-256 of every stored blob."""
        ...

    def sweep(self, referenced: set[str], grace_seconds: float) -> list[str]: ...

    def check(self) -> None:
        """HomeError unless the store can be reached (checked before a home is made)."""
        ...

    def close(self) -> None: ...


class Streams(ABC):
    """What every store does the same way, through its own `put_stream` and `open`."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, durable: bool = True) -> StoredBlob: ...

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO: ...

    def put_file(self, source: Path, durable: bool = True) -> StoredBlob:
        """Store the bytes of `source`; BadInput if it cannot be read."""
        try:
            with source.open("rb") as stream:
                return self.put_stream(stream, durable)
        except OSError as exc:
            raise BadInput(f"{source}: cannot read: {exc.strerror or exc}") from exc

    def put_bytes(self, data: bytes, durable: bool = True) -> StoredBlob:
        from io import BytesIO

        return self.put_stream(BytesIO(data), durable)

    def read_verified(self, sha256: str, out: BinaryIO) -> int:
        """Copy a blob to `out`, checking its hash; IntegrityError if the bytes changed.

        The caller must treat what was written as untrusted until this returns.
        """
        with self.open(sha256) as stream:
            actual, size = copy_hashed(stream, out)
        if actual != sha256:
            raise IntegrityError(
                f"stored file {sha256[:12]}… is corrupted: its SHA-256 is now {actual[:12]}…"
            )
        return size

    def hash_of(self, sha256: str) -> tuple[str, int]:
        """The actual SHA-256 and size of a stored blob (for fixity checks)."""
        with self.open(sha256) as stream:
            return copy_hashed(stream, None)


class BlobStore(Streams):
    """Blobs under `root/ab/cd/<sha256>`, temporary files under `root/tmp/`."""

    networked = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def check(self) -> None:
        """Nothing to check before a home is made: its folder is made with it."""

    def close(self) -> None:
        """Nothing to let go of: the store holds no connection."""

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_stream(self, stream: BinaryIO, durable: bool = True) -> StoredBlob:
        """Copy `stream` into the store, hashing as it goes; idempotent for equal content.

        With `durable=False` the blob is not fsynced: the caller must `sync` the store
        before anything refers to it."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with tmp.open("xb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                if durable:
                    os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists():
                tmp.unlink()
                os.utime(final)  # a fresh mtime keeps a reused blob out of `sweep`'s reach
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp, 0o444)
                os.replace(tmp, final)
                if durable:
                    atomic.fsync_dir(final.parent)
            return StoredBlob(sha256=sha, size=size)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def sync(self) -> None:
        """Make every blob stored with `durable=False` durable, with their folders (one
        `syncfs` of the store's file system)."""
        atomic.sync_filesystem(self.root)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"stored file {sha256[:12]}… is missing from the store") from exc

    def remove(self, sha256: str) -> None:
        """Delete a blob no catalog row references (the caller holds the write lock)."""
        self.path(sha256).unlink(missing_ok=True)

    def blobs(self) -> Iterator[str]:
        """The SHA-256 of every blob in the store (not temporary files)."""
        for first in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            yield from sorted(p.name for p in first.glob("*/*") if p.is_file())

    def sweep(self, referenced: set[str], grace_seconds: float) -> list[str]:
        """Remove temporary files and unreferenced blobs older than the grace period.

        Returns the names removed. Must run while the catalog's write lock is held, so that
        no filing can commit a reference to a blob being removed.
        """
        removed = []
        cutoff = time.time() - grace_seconds
        candidates = list(self.tmp.glob("*")) if self.tmp.is_dir() else []
        candidates += [self.path(sha) for sha in self.blobs() if sha not in referenced]
        for path in candidates:
            try:
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed.append(path.name)
            except FileNotFoundError:
                continue
        return removed


def open_setting(setting: str, local_root: Path) -> Store:
    """The store a home's `store` setting names: its own folder, or an S3 bucket (connected
    on first use)."""
    if setting == LOCAL_STORE:
        return BlobStore(local_root)
    from archive import s3store

    return s3store.S3Store(store_location(setting))
