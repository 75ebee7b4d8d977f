"""Search, the watcher and index upkeep, put together from the archive and the indexer.

The index alone cannot tell whether it is behind; the catalog can. So a search also says
how many filed items the index has not reached yet, which tells an archivist at once that
the watcher is not running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from archive import config
from archive.config import WatchSettings
from archive.errors import OperationFailed
from archive.service import Archive
from archive.vocab import CLASSIFICATIONS, CLASSIFIED
from bureau.services import classification, documents
from generators.progress import Progress
from indexer.documents import BLIND_PURPOSE, item_text
from indexer.generations import IndexDir
from indexer.search import Results, SearchRequest, visible_documents
from indexer.search import search as run_search
from indexer.sync import Indexer
from indexer.watch import Tally, Watcher

PENDING_SCAN = 10_000  # audit entries looked at to count what the index has not reached


def index_dir(archive: Archive) -> IndexDir:
    return IndexDir(archive.home.folder("index"))


def search(archive: Archive, request: SearchRequest) -> Results:
    """Search as the acting user: only what they may see is found or counted; their reads
    of classified items are recorded."""
    visibility = archive.require("search", "search").visibility()
    levels = visibility.levels
    blind_key = None
    if set(levels) & set(archive.config.encrypted_levels) and archive.vault.unlocked():
        blind_key = archive.vault.ring().derived(BLIND_PURPOSE)
    cleared = request.seen_by(visibility, blind_key)
    results = run_search(index_dir(archive), cleared, partial(_reveal, archive))
    archive.record_reads([h.id for h in results.hits if h.classification in CLASSIFIED], "search")
    pending = archive.changes_since(results.position, limit=PENDING_SCAN).item_ids
    results.extra["pending"] = len(archive.visible_ids(pending))
    if blind_key is None and set(levels) & set(archive.config.encrypted_levels):
        results.extra["note"] = "encrypted items were searched by metadata only: no passphrase"
    return results


def _reveal(archive: Archive, item_id: str) -> tuple[str, str]:
    """An encrypted item's title and text, decrypted in memory for a snippet."""
    item = archive.items_by_id([item_id]).get(item_id)
    if item is None:
        return "", ""
    readable = archive.vault.reveal(item)
    return readable.title, item_text(archive, readable).text


def rebuild(archive: Archive, engine: str | None = None) -> int:
    """Rebuild the whole index from the catalog, with a progress bar on a terminal.

    With `engine`, the home switches to it: the configuration names it first, then the
    new generation is built by it beside the live one, which stays searchable until the
    new one replaces it at once. Killed at any point, the home has a usable index, and
    a rebuild finishes the switch.
    """
    archive.require("index", "rebuild the index")
    if engine is not None and engine != archive.config.index_engine:
        path = archive.home.config_path
        config.write(path, config.with_index_engine(config.read_mapping(path), engine))
    folder = index_dir(archive)
    indexer = Indexer(archive, folder, engine or archive.config.index_engine)
    total = len(archive.item_ids())
    with folder.writer_lock(), Progress(total, "indexing") as bar:
        count = indexer.rebuild(on_batch=bar.advance)
        indexer.catch_up()
    return count


def status(archive: Archive) -> dict[str, Any]:
    """How far the index has got, for `bureau index status`, counting only what the
    acting user may see: `engine` is the live index's, `configured_engine` the one the
    home's configuration names (a rebuild brings the index to it), `documents` what the
    index holds (of what the user may see, unless they may see everything)."""
    user = archive.require("search", "read the index status")
    folder = index_dir(archive)
    items = archive.visible_count()
    generation = folder.current()
    configured = archive.config.index_engine
    if generation is None:
        return {
            "built": False,
            "items": items,
            "indexed": 0,
            "pending": items,
            "unavailable": [],
            "engine": configured,
            "configured_engine": configured,
            "documents": 0,
        }
    state = folder.state(generation)
    visibility = user.visibility()
    indexed, unreadable, documents = visible_documents(folder, generation, visibility)
    if visibility.dept is not None or set(CLASSIFICATIONS) - set(visibility.levels):
        documents = indexed  # the whole index's count would betray what they may not see
    pending = archive.changes_since(state.position, limit=PENDING_SCAN).item_ids
    return {
        "built": True,
        "generation": generation.name,
        "items": items,
        "indexed": indexed,
        "pending": len(archive.visible_ids(pending)),
        "unavailable": unreadable,
        "engine": state.engine,
        "configured_engine": configured,
        "documents": documents,
    }


def watch(
    archive: Archive,
    settings: WatchSettings,
    once: bool,
    stop: threading.Event,
    echo: Callable[[str], None],
) -> Tally:
    """Run the watcher, logging each line to the home's logs/watch.log as well."""
    log_path = archive.home.folder("logs") / "watch.log"

    def report(line: str) -> None:
        stamped = f"{datetime.now(archive.config.tz):%Y-%m-%d %H:%M:%S} {line}"
        echo(stamped)
        _append(log_path, stamped)

    archive.require("watch", "run the watcher")
    declassify = partial(classification.declassify_due, archive)
    watcher = Watcher(
        archive,
        settings,
        partial(documents.file_batch, archive),
        declassify if classification.may_declassify(archive) else None,
        report,
    )
    return watcher.run_once() if once else watcher.run(stop)


def _append(path: Path, line: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
    except OSError as exc:
        raise OperationFailed(f"{path}: cannot write the watcher's log: {exc.strerror}") from exc
