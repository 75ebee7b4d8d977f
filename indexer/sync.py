"""Keeping the index equal to the catalog: follow changes, reconcile, rebuild.

The index is derived data. Three ways bring it back to the catalog, each safe to repeat:
`catch_up` follows the audit trail from the position the index has reached; `reconcile`
compares the sets of item ids (so an entry missed for any reason is found); `rebuild`
writes a whole new generation. Every write adds or replaces an item's one document (its
id is unique), so a crash and a retry can never index an item twice.

Every item's extracted text is kept (indexer/texts.py) as it is indexed, and a rebuild
reads it from there rather than parsing the files again; a rebuild writes through one
engine writer in large commits (its generation is not live until it is finished, so a
commit there is only a bound on memory, not a promise).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.items import Item
from archive.service import Archive
from indexer import memory
from indexer.documents import BLIND_PURPOSE, index_fields, item_text
from indexer.engine import Engine, Writer
from indexer.generations import IndexDir
from indexer.text import Extracted
from indexer.texts import TEXTS, TextStore

BATCH = 500  # audit entries per commit while following changes (an inbox batch: one)
REBUILD_BATCH = 1000  # items read from the catalog at a time while rebuilding
REBUILD_COMMIT = 100_000  # items per commit while rebuilding

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Reconciled:
    added: int
    removed: int


class Indexer:
    """The one writer of a data home's index (hold `IndexDir.writer_lock` around it).

    A new generation is built by `engine`, by default the one the home's configuration
    names; an existing generation is written by the engine that built it.
    """

    def __init__(
        self, archive: Archive, index_dir: IndexDir | None = None, engine: str | None = None
    ) -> None:
        self.archive = archive
        self.dir = index_dir or IndexDir(archive.home.folder("index"))
        self.engine = engine or archive.config.index_engine

    def _live(self) -> tuple[Path, Engine]:
        generation = self.dir.current() or self.dir.create_first(self.engine)
        return generation, self.dir.open(generation, readonly=False)

    def catch_up(self, on_batch: Progress | None = None) -> int:
        """Index every item changed since the index's position; the number of items handled."""
        generation, index = self._live()
        state = self.dir.state(generation)
        position = state.position
        handled = 0
        try:
            while True:
                changes = self.archive.changes_since(position, limit=BATCH)
                if changes.last_seq == position:
                    return handled
                if changes.item_ids:
                    self._write(index, changes.item_ids, replace=True)
                self.dir.write_state(generation, changes.last_seq, state.engine)
                position = changes.last_seq
                handled += len(changes.item_ids)
                if on_batch:
                    on_batch(len(changes.item_ids))
        finally:
            index.close()

    def reconcile(self) -> Reconciled:
        """Index items the index lacks and remove entries whose item is gone."""
        _generation, index = self._live()
        try:
            indexed = set(index.ids())
            catalog = self.archive.item_ids()
            missing = sorted(catalog - indexed)
            gone = sorted(indexed - catalog)
            for start in range(0, len(missing), BATCH):
                self._write(index, missing[start : start + BATCH], replace=True)
            if gone:
                writer = index.writer()
                for item_id in gone:
                    writer.delete(item_id)
                writer.commit()
            return Reconciled(added=len(missing), removed=len(gone))
        finally:
            index.close()

    def rebuild(self, on_batch: Progress | None = None) -> int:
        """Build a new generation from the whole catalog and make it live; items indexed.
        The live generation stays searchable (and is what a killed rebuild leaves)."""
        position, ids = self._snapshot()
        building = self.dir.start_generation(self.engine)
        index = self.dir.open(building, readonly=False)
        texts = self._texts()
        try:
            writer, pending = index.writer(bulk=True), 0
            try:
                for start in range(0, len(ids), REBUILD_BATCH):
                    batch = ids[start : start + REBUILD_BATCH]
                    found = self.archive.items_by_id(batch)
                    if self._add(writer, [found[i] for i in batch if i in found], texts):
                        gc.collect()  # python-docx's reference cycles hold parsed XML
                    pending += len(batch)
                    if pending >= REBUILD_COMMIT:
                        writer.commit()
                        memory.release()
                        writer, pending = index.writer(bulk=True), 0
                    if on_batch:
                        on_batch(len(batch))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            texts.keep_only(ids)
        finally:
            texts.close()
            index.close()
        self.dir.finish_generation(building, position)
        return len(ids)

    def _texts(self) -> TextStore:
        return TextStore(self.dir.root / TEXTS)

    def _snapshot(self) -> tuple[int, list[str]]:
        """The audit position and the item ids of one consistent moment of the catalog."""
        conn = self.archive.conn
        conn.execute("BEGIN")
        try:
            position = self.archive.audit_position()
            ids = sorted(self.archive.item_ids())
        finally:
            conn.execute("COMMIT")
        return position, ids

    def _write(self, index: Engine, item_ids: list[str], replace: bool) -> None:
        """Index (or remove) each item. When an item now encrypted was in the index in
        readable form, the index is purged, so no deleted copy of its text stays."""
        found = self.archive.items_by_id(item_ids)
        purge = replace and _readable_in_index(
            index, [i for i in item_ids if i in found and found[i].encrypted]
        )
        gone = [i for i in item_ids if i not in found]
        texts = self._texts()
        try:
            writer = index.writer()
            try:
                for item_id in gone:
                    writer.delete(item_id)
                self._add(writer, [found[i] for i in item_ids if i in found], texts, replace)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(purge=purge)
            texts.forget(gone)
        finally:
            texts.close()

    def _add(
        self, writer: Writer, items: list[Item], texts: TextStore, replace: bool = False
    ) -> bool:
        """Write each item's document, its text from `texts` when kept there, else
        extracted now (and kept); whether any was extracted."""
        kept = texts.current(items)
        fresh: list[tuple[Item, Extracted]] = []
        for item in items:
            text = kept.get(item.id)
            if text is None:
                text = self._extract(item)
                fresh.append((item, text))
            fields = self._fields(item, text)
            if replace:
                writer.replace(fields)
            else:
                writer.add(fields)
        texts.keep(fresh)
        return bool(fresh)

    def _extract(self, item: Item) -> Extracted:
        readable = self.archive.vault.reveal(item) if item.encrypted else item
        return item_text(self.archive, readable)

    def _fields(self, item: Item, text: Extracted) -> dict[str, Any]:
        if not item.encrypted:
            return index_fields(item, text)
        vault = self.archive.vault
        key = vault.ring().derived(BLIND_PURPOSE)
        return index_fields(vault.reveal(item), text, key)


def _readable_in_index(index: Engine, item_ids: list[str]) -> bool:
    """Whether any of these items has a document in the index that is not encrypted."""
    for item_id in item_ids:
        stored = index.stored(item_id)
        if stored is not None and not stored.get("encrypted"):
            return True
    return False
