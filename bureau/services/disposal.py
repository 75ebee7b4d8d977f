"""Executing a disposal list, put together from the archive, the index, the backups and
the generators.

The archive turns each item into a tombstone. Then, in this order, each step safe to run
again: the index drops the items (here if no watcher holds the index, else the watcher does
within seconds); every backup the home has made loses the items' keys and the stored
files only they held (`archive.backup.shred`); the destruction register (销毁清册) is
generated and filed as a permanent record, once (its filing carries the list's id as its
origin); and the list is marked executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from archive import backup
from archive.errors import BureauError, IndexUnusable
from archive.items import Item
from archive.retention.disposal import CLASSIFIED_TITLE, DisposalList
from archive.service import Archive
from bureau.services.generate import find_template, generate_one
from generators.render import format_date
from indexer.generations import IndexDir
from indexer.sync import Indexer

REGISTER_TEMPLATE = "destruction-register"
REGISTER_DEPT = "BGS"  # the General Office keeps the archives


@dataclass
class Executed:
    disposal: DisposalList
    disposed_now: int
    shredded: list[backup.ShredReport] = field(default_factory=list)
    unreachable: list[dict[str, str]] = field(default_factory=list)
    indexed: bool = False  # whether the index was updated here (else the watcher does it)

    def to_json(self) -> dict[str, Any]:
        return self.disposal.to_json() | {
            "disposed_now": self.disposed_now,
            "backups_shredded": [r.to_json() for r in self.shredded],
            "backups_unreachable": self.unreachable,
            "index_updated": self.indexed,
        }


def execute(archive: Archive, list_id: str) -> Executed:
    """Execute an approved list, or finish one that was interrupted. Run again on an
    executed list, it visits the backups once more (those unreachable the first time)."""
    archive.require("retention", "execute disposal lists")
    found = archive.begin_disposal(list_id)
    if found.status == "executed":
        return Executed(found, 0, *_shred_backups(archive, found))
    pending = [i.id for i in found.items if not i.disposed]
    for item_id in pending:
        archive.dispose_item(found, item_id)
    indexed = _update_index(archive)
    shredded, unreachable = _shred_backups(archive, archive.disposal_list(list_id))
    register = _register(archive, archive.disposal_list(list_id))
    done = archive.finish_disposal(list_id, register.id)
    return Executed(done, len(pending), shredded, unreachable, indexed)


def _update_index(archive: Archive) -> bool:
    """Drop the disposed items from the index now, unless another process is writing it."""
    folder = IndexDir(archive.home.folder("index"))
    try:
        with folder.writer_lock(wait_seconds=0):
            Indexer(archive, folder).catch_up()
    except IndexUnusable:
        return False  # the watcher holds the index: it follows the same audit entries
    return True


def _shred_backups(
    archive: Archive, found: DisposalList
) -> tuple[list[backup.ShredReport], list[dict[str, str]]]:
    """The list's items destroyed in every backup the home has made, with what their
    tombstones record (so a restored backup shows the same tombstones)."""
    disposed = {
        item.id: {
            "list": found.id,
            "disposed_at": item.disposed_at,
            "proposed_by": found.proposed_by,
            "approved_by": found.approved_by,
        }
        for item in found.items
    }
    shredded, unreachable = [], []
    for dest in archive.backup_destinations():
        try:
            shredded.append(backup.shred(dest, disposed))
        except (BureauError, OSError) as exc:
            unreachable.append({"path": str(dest), "reason": str(exc)})
    return shredded, unreachable


def _register(archive: Archive, found: DisposalList) -> Item:
    """The list's destruction register, filed as a permanent record (once)."""
    origin = f"disposal:{found.id}"
    filed = archive.filed_with_origin(origin)
    if filed:
        return archive.resolve(filed)
    lang = archive.config.language  # the register is in the home's language

    def when(moment: str | None) -> str:
        return _moment(moment or "", lang, archive.config.tz)

    def who(name: str | None) -> str:  # the register names people as they are read
        return archive.shown_name(name) if name else ""

    data = {
        "list_id": found.id,
        "as_of": found.as_of,
        "proposed_by": who(found.proposed_by),
        "proposed_at": when(found.proposed_at),
        "approved_by": who(found.approved_by),
        "approved_at": when(found.approved_at),
        "executed_by": who(found.executed_by or archive.actor),
        "executed_at": when(max((i.disposed_at or "" for i in found.items), default="")),
        "count": len(found.items),
        "items": [_row(i, lang) for i in found.items],
    }
    template = find_template(archive, REGISTER_TEMPLATE)
    result = generate_one(
        archive, template, data, REGISTER_DEPT, None, None, pdf=False, origin=origin
    )
    return result.item


# An encrypted item's title went with its key; the register says so in its own language.
_CLASSIFIED_TITLE = {"zh": "（涉密文件，题名随密钥销毁）"}


def _moment(value: str, lang: str, tz: tzinfo) -> str:
    """A recorded moment (ISO 8601) as the register prints it, in the home's time zone:
    2026年3月1日 09:30 in Chinese, 1 March 2026 09:30 in English; "" stays ""."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return f"{format_date(moment.date(), lang)} {moment:%H:%M}"


def _row(item: Item, lang: str) -> dict[str, str]:
    title = item.title
    if title == CLASSIFIED_TITLE:
        title = _CLASSIFIED_TITLE.get(lang, title)
    return {
        "archive_code": item.archive_code,
        "doc_no": item.doc_no or "",
        "title": title,
        "category": item.category or "",
        "date": item.date,
        "retention": item.retention,
        "due": item.due or "",
    }
