"""One item as its page shows it: the item, what screening found when it was filed, the
versions of its document the user may see, and its audit entries if the user may read
the trail.

The page is one use case, so its decisions are made here: the item is found only if the
user may see it (NotFound otherwise, as for one that does not exist), a version the user
may not see is left out of the list, and the trail section is absent (None) for a role
that may not read the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.access import Forbidden
from archive.audit import Entry
from archive.items import Item
from archive.service import Archive
from archive.vocab import CLASSIFIED
from bureau.services import auditing, documents

MAX_VERSIONS = 200  # a chain of supersessions longer than this is cut (it never is)


@dataclass(frozen=True)
class ItemView:
    item: Item
    notes: dict[str, object]
    versions: list[Item]  # oldest first, the item itself included
    trail: list[Entry] | None  # None: the user may not read the audit trail


def view(archive: Archive, ref: str) -> ItemView:
    """The item `ref` names (an id, archival code or document number) with its versions
    and, for a role that may read it, its audit trail."""
    item, notes = documents.show(archive, ref)
    try:
        trail: list[Entry] | None = auditing.log(archive, item.id)
    except Forbidden:
        trail = None
    return ItemView(item, notes, versions(archive, item), trail)


def versions(archive: Archive, item: Item) -> list[Item]:
    """Every version of `item`'s document the acting user may see, oldest first: those
    it supersedes, itself, and those superseding it. Reading a classified version's title
    is recorded, as any read of it is."""
    archive.require("read", "read items")
    chain = [item]
    seen = {item.id}
    earlier = item.supersedes
    while earlier and earlier not in seen and len(chain) < MAX_VERSIONS:
        found = archive.items_by_id([earlier]).get(earlier)
        if found is None:
            break
        chain.insert(0, found)
        seen.add(found.id)
        earlier = found.supersedes
    later = item.superseded_by
    while later and later not in seen and len(chain) < MAX_VERSIONS:
        found = archive.items_by_id([later]).get(later)
        if found is None:
            break
        chain.append(found)
        seen.add(found.id)
        later = found.superseded_by
    visible = set(archive.visible_ids([i.id for i in chain]))
    shown = [i for i in chain if i.id in visible]
    others = [i.id for i in shown if i.id != item.id and i.classification in CLASSIFIED]
    archive.record_reads(others, "show")
    return [i if i.id == item.id else archive.vault.reveal(i, strict=False) for i in shown]
