"""What the index holds for one item: its metadata and the text of its files."""

from __future__ import annotations

from typing import Any, Protocol

from archive.errors import BureauError
from archive.items import Item, StoredFile
from indexer.analysis import doc_no_key
from indexer.text import Extracted, extract

TEXT_RENDITIONS = ("docx", "pdf")


class ContentSource(Protocol):
    """Where stored files' bytes come from (the archive service; decrypting, later)."""

    def read_content(self, stored: StoredFile) -> bytes: ...


def item_text(source: ContentSource, item: Item) -> Extracted:
    """The document's text, followed by the text of its DOCX and PDF attachments.

    The DOCX rendition is read when there is one (its structure is exact; a PDF's text
    is reconstructed from glyph positions). A file that cannot be read leaves the item
    indexed by its metadata, with the reason.
    """
    document = item.rendition("docx") or item.official
    main = _extract(source, document)
    parts = [main.text]
    for attachment in item.files:
        if attachment.role == "attachment" and attachment.rendition in TEXT_RENDITIONS:
            parts.append(_extract(source, attachment).text)
    text = "\n\n".join(p for p in parts if p)
    return Extracted(text=text, unavailable=main.unavailable, truncated=main.truncated)


def _extract(source: ContentSource, stored: StoredFile) -> Extracted:
    if stored.rendition not in TEXT_RENDITIONS:
        return Extracted(text="", unavailable=f"no text extraction for {stored.rendition} files")
    try:
        data = source.read_content(stored)
    except BureauError as exc:
        return Extracted(text="", unavailable=f"{exc} (run `bureau audit verify`)")
    return extract(data, stored.rendition)


def index_fields(item: Item, text: Extracted) -> dict[str, Any]:
    """The Whoosh document of `item`."""
    fields: dict[str, Any] = {
        "id": item.id,
        "archive_code": item.archive_code,
        "title": item.title,
        "body": text.text,
        "kind": item.kind,
        "dept": item.dept,
        "year": item.year,
        "date": item.date,
        "classification": item.classification,
        "retention": item.retention,
        "sealed": bool(item.sealed),
        "status": item.status,
        "text": "unavailable" if text.unavailable else "available",
        "text_reason": text.unavailable or "",
    }
    if item.template:
        fields["template"] = item.template
    if item.doc_no:
        fields["doc_no"] = item.doc_no
        fields["doc_no_key"] = doc_no_key(item.doc_no)
    return fields
