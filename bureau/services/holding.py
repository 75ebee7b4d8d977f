"""The holds in force: every item whose disposition is suspended, whatever its due date.

`retention due` shows the holds of the items already due; an archivist also needs the
holds on items not yet due (an audit placed early), to release them when it ends.
"""

from __future__ import annotations

from archive.items import Item
from archive.service import Archive
from archive.vocab import CLASSIFIED


def in_force(archive: Archive) -> list[Item]:
    """The items under at least one hold not yet released that the user may see, in
    archival-code order (an item above their clearance is not mentioned)."""
    user = archive.require("retention", "see the holds")
    ids = [
        row[0]
        for row in archive.conn.execute(
            "SELECT DISTINCT item_id FROM holds WHERE released_at IS NULL"
        )
    ]
    found = [i for i in archive.items_by_id(ids).values() if user.sees(i.classification, i.dept)]
    found.sort(key=lambda i: i.archive_code)
    archive.record_reads([i.id for i in found if i.classification in CLASSIFIED], "holds")
    return [archive.vault.reveal(i, strict=False) for i in found]
