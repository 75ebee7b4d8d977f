"""The extracted text of every readable item, kept beside the index for rebuilds.

A rebuild writes the whole index again; parsing every DOCX and PDF again is what made it
slow (a million items cannot be parsed in ten minutes on two cores), while the text they
give only changes when their files do. So the indexer keeps each item's extracted text
here, in `index/texts.sqlite` (outside the generations, so it outlives a rebuild), with
the SHA-256 of the files it came from and the version of the extraction: a rebuild takes
the text from here when both still match and extracts the item's files again otherwise.

The text is derived data like the index: losing this file costs one slow rebuild, nothing
else (a damaged file is set aside and started again). A rebuild reading from here does not
read the stored files, so it no longer notices a damaged one: that is `bureau audit
verify`'s job. Encrypted items' text is never kept (it would be plaintext on disk); their
files are decrypted and extracted at every rebuild, as before. Deleted rows are
overwritten (`secure_delete`), so an item disposed of or encrypted leaves no text behind.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from archive.items import Item
from archive.workers import WORTH_IT, Workers
from indexer.text import Extracted, extract

TEXTS = "texts.sqlite"  # in the index folder
EXTRACTION_VERSION = 1  # raise when indexer/text.py extracts differently
_PARAMS = 500  # ids per query


def source(item: Item) -> str:
    """What an item's text was extracted from: the extraction's version and its files."""
    return f"{EXTRACTION_VERSION}:" + ",".join(f.sha256 for f in item.files)


class TextStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._conn = _open(path)
        except sqlite3.DatabaseError:
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            path.replace(path.with_name(path.name + ".damaged"))
            self._conn = _open(path)

    def close(self) -> None:
        self._conn.close()

    def current(self, items: Iterable[Item]) -> dict[str, Extracted]:
        """The kept text of each of `items` whose files have not changed since it was kept."""
        wanted = {i.id: source(i) for i in items if not i.encrypted}
        found: dict[str, Extracted] = {}
        ids = list(wanted)
        for start in range(0, len(ids), _PARAMS):
            chunk = ids[start : start + _PARAMS]
            rows = self._conn.execute(
                "SELECT item_id, source, text, unavailable, truncated FROM texts "
                f"WHERE item_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for item_id, kept_from, text, unavailable, truncated in rows:
                if kept_from == wanted[item_id]:
                    found[item_id] = Extracted(
                        text=zlib.decompress(text).decode("utf-8"),
                        unavailable=unavailable,
                        truncated=bool(truncated),
                    )
        return found

    def keep(self, extracted: Iterable[tuple[Item, Extracted]]) -> None:
        """Keep the text of these items (an encrypted item's kept text is forgotten)."""
        rows, gone = [], []
        for item, text in extracted:
            if item.encrypted:
                gone.append(item.id)
                continue
            packed = zlib.compress(text.text.encode("utf-8"), 1)
            rows.append((item.id, source(item), packed, text.unavailable, int(text.truncated)))
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?, ?)", rows)
            self._forget(gone)

    def forget(self, item_ids: Iterable[str]) -> None:
        with self._conn:
            self._forget(list(item_ids))

    def keep_only(self, item_ids: list[str]) -> None:
        """Forget the text of every item not among `item_ids` (sorted; disposed of, say),
        walking both in order rather than holding a million ids twice in memory."""
        gone, wanted = [], iter(item_ids)
        current = next(wanted, None)
        for (kept,) in self._conn.execute("SELECT item_id FROM texts ORDER BY item_id"):
            while current is not None and current < kept:
                current = next(wanted, None)
            if kept != current:
                gone.append(kept)
        self.forget(gone)

    def _forget(self, item_ids: list[str]) -> None:
        self._conn.executemany("DELETE FROM texts WHERE item_id = ?", [(i,) for i in item_ids])


class Early:
    """The texts of files about to be filed, extracted while they are filed (in `workers`,
    processes, when there are enough files to pay for them, else in threads: inflating
    releases the interpreter's lock), then kept for the items they become: so the index,
    following the filings, finds them kept and parses nothing."""

    def __init__(self, store: Path, paths: list[Path], workers: Workers | None = None) -> None:
        self._store = store
        self._threads: ThreadPoolExecutor | None = None
        if workers is not None and len(paths) >= WORTH_IT:
            self._texts: Iterator[Found] = workers.map(_extract_file, paths)
        else:
            self._threads = ThreadPoolExecutor(2)
            self._texts = self._threads.map(_extract_file, paths)

    def keep(self, items: list[Item | None]) -> None:
        """Keep the text of each file that became an item of that one file, unencrypted."""
        kept = []
        try:
            for found, item in zip(self._texts, items, strict=True):
                if item is None or item.encrypted or len(item.files) != 1 or found is None:
                    continue
                sha256, rendition, text = found
                if (item.official.sha256, item.official.rendition) == (sha256, rendition):
                    kept.append((item, text))
        except BrokenProcessPool:  # a worker died: the index extracts what is not kept
            pass
        self.cancel()
        texts = TextStore(self._store)
        try:
            texts.keep(kept)
        finally:
            texts.close()

    def cancel(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(cancel_futures=True)


Found = tuple[str, str, Extracted] | None


def _extract_file(path: Path) -> Found:
    rendition = path.suffix.lower().removeprefix(".")
    if rendition not in ("docx", "pdf"):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest(), rendition, extract(data, rendition)


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # a lost last batch is extracted again
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS texts (item_id TEXT PRIMARY KEY, source TEXT NOT NULL, "
            "text BLOB NOT NULL, unavailable TEXT, truncated INTEGER NOT NULL)"
        )
        conn.execute("SELECT count(*) FROM texts WHERE rowid = 1").fetchone()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn
