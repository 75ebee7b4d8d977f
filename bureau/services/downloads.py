"""A stored file handed to a browser: the same verified retrieval as `bureau get`, its
bytes returned in memory instead of written where the user says (a decrypted copy never
touches the disk).

The file is named by its rendition (`docx`, `pdf`), never by a path: nothing a request
says can reach outside the store. The retrieval is recorded in the audit trail like any
other.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.items import Item, StoredFile
from archive.service import Archive
from bureau.services import documents


@dataclass(frozen=True)
class Download:
    item: Item
    stored: StoredFile
    content: bytes


def download(archive: Archive, ref: str, rendition: str | None = None) -> Download:
    """The verified content of `ref`'s rendition (default: the official one). NotFound
    for an item the user may not see, exactly as for one that does not exist."""
    return Download(*documents.fetch(archive, ref, rendition))
