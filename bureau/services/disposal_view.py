"""A disposal list as one person may see it: the items above their clearance (or outside
their department) are left out and only counted.

The archive hands a list out whole, to the command line as to the web; but a page must not
show a title its reader is not cleared for (elsewhere such an item is a plain 404). The
count stays, since the list's size is no secret (the list of lists shows it) and whoever
approves or executes a list should know that it holds more than they can see.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archive.retention.disposal import DisposalList
from archive.service import Archive
from bureau.services import retention


@dataclass(frozen=True)
class Seen:
    disposal: DisposalList  # with only the items the reader may see
    hidden: int  # how many items were left out


def seen(archive: Archive, found: DisposalList) -> Seen:
    user = archive.user
    visible = [i for i in found.items if user.sees(i.classification, i.dept)]
    return Seen(replace(found, items=visible), len(found.items) - len(visible))


def one(archive: Archive, list_id: str) -> Seen:
    """The list `list_id` as the acting user may see it (the same permission as reading
    any disposal list)."""
    return seen(archive, retention.disposal_list(archive, list_id))
