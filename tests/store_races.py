"""What happens to a filing when its blobs are swept away between storing and committing,
or when one of a batch's files cannot be stored: the same on every store (tests that use
these run on the home's own folder and on S3).

A sweep is made to fall exactly in that window: a second connection holds the catalog's
write lock while the filing runs, and once the filing has stored every file (the real
store, watched), the holder sweeps everything unreferenced (`gc --grace 0`) and lets go.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from archive import catalog
from archive.errors import BadInput
from archive.filing import FiledResult, FilingRequest, Source
from archive.service import Archive
from tests.conftest import PASSPHRASE
from tests.factories import make_docx, make_pdf

T = TypeVar("T")
METADATA = {"kind": "notice", "dept": "BGS", "date": "2026-03-04", "retention": "D30"}


class WatchedStore:
    """The archive's real store, counting the files put into it."""

    def __init__(self, store: Any) -> None:  # noqa: ANN401 - any store
        self._store = store
        self._stored = threading.Condition()
        self.puts = 0

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        return getattr(self._store, name)

    def put_file(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        return self._counted(self._store.put_file(*args, **kwargs))

    def put_bytes(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        return self._counted(self._store.put_bytes(*args, **kwargs))

    def _counted(self, blob: T) -> T:
        with self._stored:
            self.puts += 1
            self._stored.notify_all()
        return blob

    def wait_for(self, puts: int, done: Callable[[], bool]) -> None:
        with self._stored:
            while self.puts < puts and not done():
                self._stored.wait(timeout=0.05)


def swept_before_commit(archive: Archive, files: int, filing: Callable[[], T]) -> tuple[T, list]:
    """Run `filing` on `archive`; once it has put `files` files, sweep every unreferenced
    blob while it waits for the write lock. What it returned, and what the sweep removed."""
    archive.audit_key()  # the filing's first step, which would wait for the lock held here
    watched = WatchedStore(archive.store)
    holding, finished = threading.Event(), threading.Event()
    passphrase = PASSPHRASE.encode()

    def hold_and_sweep() -> list[str]:
        with (
            Archive.open(archive.home, "tester", lambda: passphrase) as other,
            catalog.write(other.conn),
        ):
            holding.set()
            watched.wait_for(files, finished.is_set)
            referenced = {r[0] for r in other.conn.execute("SELECT stored_sha256 FROM files")}
            return other.store.sweep(referenced, 0)

    real, archive.store = archive.store, watched  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            holder = pool.submit(hold_and_sweep)
            while not holding.wait(timeout=0.05) and not holder.done():
                pass
            try:
                result = filing()
            finally:
                finished.set()
            return result, holder.result()
    finally:
        archive.store = real


def documents(folder: Path, count: int) -> list[Path]:
    """`count` documents, DOCX and PDF in turn, each its own content."""
    folder.mkdir(exist_ok=True)
    return [
        make_pdf(folder / f"d{n}.pdf", text=f"notice {folder.name} {n}")
        if n % 2
        else make_docx(folder / f"d{n}.docx", text=f"notice {folder.name} {n}")
        for n in range(count)
    ]


def request(path: Path, title: str) -> FilingRequest:
    return FilingRequest(documents=[Source(path)], title=title, **METADATA)


def stored_whole(archive: Archive, result: FiledResult | BaseException, path: Path) -> bool:
    """Whether `result` is a filed item whose file the store returns as `path`'s bytes."""
    if not isinstance(result, FiledResult):
        return False
    (stored,) = result.item.files
    with archive.store.open(stored.stored_sha256) as got:
        return got.read() == path.read_bytes()


def assert_a_blob_swept_before_the_commit_is_stored_again(archive: Archive, folder: Path) -> None:
    (doc,) = documents(folder, 1)
    result, removed = swept_before_commit(
        archive, 1, lambda: archive.file(request(doc, "Swept once"))
    )
    assert [f.stored_sha256 for f in result.item.files] == removed  # the sweep took it
    assert stored_whole(archive, result, doc)


def assert_blobs_swept_before_a_batch_commits_are_stored_again(
    archive: Archive, folder: Path
) -> None:
    docs = documents(folder, 5)
    answers, removed = swept_before_commit(
        archive,
        len(docs),
        lambda: archive.file_batch([request(d, f"Swept {n}") for n, d in enumerate(docs)]),
    )
    assert len(removed) == len(docs)
    assert [a.item.title for a in answers] == [f"Swept {n}" for n in range(len(docs))]
    assert all(stored_whole(archive, a, d) for a, d in zip(answers, docs, strict=True))


def assert_a_file_that_cannot_be_stored_answers_its_request_alone(
    archive: Archive, folder: Path
) -> None:
    """The third document vanishes after it was read and screened, before it is stored
    (the service's permission check on its metadata, which runs in between, removes it)."""
    docs = documents(folder, 6)
    vanishing = docs[2]

    def allowed(meta: Any) -> None:  # noqa: ANN401 - the filing's Metadata
        if meta.title == "Batch 2":
            vanishing.unlink()

    content = {d: d.read_bytes() for d in docs}
    answers = archive.file_batch(
        [request(d, f"Batch {n}") for n, d in enumerate(docs)], allowed=allowed
    )
    assert isinstance(answers[2], BadInput)
    assert str(vanishing) in str(answers[2]) and "cannot read" in str(answers[2])
    filed = [a for n, a in enumerate(answers) if n != 2]
    assert [a.item.title for a in filed] == [f"Batch {n}" for n in (0, 1, 3, 4, 5)]
    for answer, doc in zip(filed, [d for d in docs if d != vanishing], strict=True):
        (stored,) = answer.item.files
        with archive.store.open(stored.stored_sha256) as got:
            assert got.read() == content[doc]
    listed = archive.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    assert listed == 5
